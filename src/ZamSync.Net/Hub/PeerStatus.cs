namespace ZamSync.Net.Hub;

/// <summary>What the hub knows about one peer's sessions.</summary>
public sealed record PeerStatus(
    NodeId Peer,
    int Sessions,
    int Failures,
    DateTimeOffset? LastSuccess,
    DateTimeOffset? LastFailure,
    string? LastError,
    long BytesSent,
    long BytesReceived,
    long EventsSent,
    long EventsReceived);

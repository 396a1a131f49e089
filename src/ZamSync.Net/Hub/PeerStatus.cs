namespace ZamSync.Net.Hub;

/// <summary>
/// What the hub knows about one peer's sessions. <see cref="BytesSent"/> and <see cref="BytesReceived"/> cover every
/// session, failed ones included (a cut session's bytes still crossed the link); <see cref="EventsSent"/> and
/// <see cref="EventsReceived"/> count completed sessions only.
/// </summary>
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

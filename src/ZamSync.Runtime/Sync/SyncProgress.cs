namespace ZamSync.Sync;

/// <summary>What a running session has done so far, reported after the handshake and after every batch.</summary>
public readonly record struct SyncProgress(
    NodeId Peer, SyncPhase Phase, int EventsSent, int EventsReceived, long BytesSent, long BytesReceived);

/// <summary>Where a session is.</summary>
public enum SyncPhase
{
    Handshaken,
    Receiving,
    Sending,
    Completed,
}

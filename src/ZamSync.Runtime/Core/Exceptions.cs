namespace ZamSync;

/// <summary>Base of every error ZamSync raises on purpose.</summary>
public class ZamException : Exception
{
    public ZamException(string message) : base(message) { }
    public ZamException(string message, Exception? inner) : base(message, inner) { }
}

/// <summary>Another engine (in this or another process) has the data directory open.</summary>
public sealed class DataDirectoryLockedException(string directory, Exception inner)
    : ZamException($"The data directory '{directory}' is already open by another ZamSync engine (it holds '{Storage.DirectoryLock.FileName}'). One engine per directory: share that engine instead of opening a second one.", inner)
{
    public string Directory { get; } = directory;
}

/// <summary>Writing to storage failed (for example the disk is full). Nothing of the failed write is kept.</summary>
public sealed class ZamStorageException(string message, Exception inner) : ZamException(message, inner);

/// <summary>The log is damaged somewhere other than its tail. The file is left untouched.</summary>
public sealed class WalCorruptionException(string path, long offset, long nextGoodOffset, string reason)
    : ZamException($"The write-ahead log '{path}' is damaged at byte {offset}" +
                   (nextGoodOffset >= 0 ? $" (intact records resume at byte {nextGoodOffset})" : "") +
                   $": {reason}. A crash can only tear the tail, so this is media damage or tampering; the file was not modified. " +
                   "Restore the directory from a backup or re-sync the node from a peer.")
{
    public string Path { get; } = path;
    public long Offset { get; } = offset;
    public long NextGoodOffset { get; } = nextGoodOffset;
    public string Reason { get; } = reason;
}

/// <summary>The encryption key does not open this log (wrong key, missing key, or a key for a plain log). Nothing was modified.</summary>
public sealed class WalKeyException(string message) : ZamException(message);

/// <summary>
/// Base of every error a sync session ends with. <see cref="IsTransient"/> says whether the same session may work if
/// tried again later (docs/protocol.md, "Errors"); <see cref="Stats"/> says what the session did before it failed, so
/// the bytes a failed session spent on a metered link are known.
/// </summary>
public class SyncException : ZamException
{
    public SyncException(string message, Exception? inner = null) : base(message, inner) { }

    /// <summary>True when the cause is the link or a deadline, not either node: retrying later may succeed.</summary>
    public virtual bool IsTransient => false;

    /// <summary>What the session had done when it failed, when it had started (null for failures before it began).</summary>
    public Sync.SyncStats? Stats { get; internal set; }
}

/// <summary>The peer broke the sync protocol (a message out of order, an event leaving a hole, a malformed message). Not worth retrying as is.</summary>
public sealed class SyncProtocolException(string message) : SyncException(message);

/// <summary>
/// The connection ended before the session did: a cut link, a peer that went away, a frame cut short. Transient: what
/// arrived whole is kept, and the next session sends only the rest.
/// </summary>
public sealed class SyncDisconnectedException(string message, Exception? inner = null) : SyncException(message, inner)
{
    public override bool IsTransient => true;
}

/// <summary>The peer refused the session, or we refused it (incompatible contract or protocol, wrong identity). <see cref="Reason"/> says why.</summary>
public sealed class SyncRefusedException(string message, Sync.RefuseReason reason) : SyncException(message)
{
    /// <summary>Why the session was refused; the same reason the Refuse message carried on the wire.</summary>
    public Sync.RefuseReason Reason { get; } = reason;
}

/// <summary>A deadline of the session passed: the peer was silent too long, or the whole session took too long. Transient.</summary>
public sealed class SyncTimeoutException(string message, Exception? inner = null) : SyncException(message, inner)
{
    public override bool IsTransient => true;
}

/// <summary>
/// The session's byte budget cannot hold a message the protocol requires (a handshake, a completion): nothing past the
/// budget is ever sent, so the session stops. Not transient: raise <c>WithMaxBytes</c>.
/// </summary>
public sealed class SyncBudgetException(string message) : SyncException(message);

/// <summary>
/// A peer needs events this node has compacted away. <see cref="ZamEngine.ReadEvents"/> throws it below a floor; a
/// session that meets it refuses the peer (reason <see cref="Sync.RefuseReason.EventsCompacted"/>) and ends with it,
/// carrying the session's <see cref="SyncException.Stats"/>. Not transient: the peer must be synced from a node that
/// still holds the events. The change feed (<see cref="ZamEngine.Changes(VersionVector?, CancellationToken)"/>) throws it,
/// with its own message, when a reader's cursor is below a floor.
/// </summary>
public sealed class EventsCompactedException : SyncException
{
    public EventsCompactedException(NodeId origin, ulong requested, ulong floor)
        : this(origin, requested, floor, $"Events of origin {origin} from sequence {requested} were compacted (this node keeps only those after {floor}). Sync that peer from a node that still holds them.")
    {
    }

    internal EventsCompactedException(NodeId origin, ulong requested, ulong floor, string message) : base(message)
    {
        Origin = origin;
        Requested = requested;
        Floor = floor;
    }

    public NodeId Origin { get; }
    public ulong Requested { get; }
    public ulong Floor { get; }
}

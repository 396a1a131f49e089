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

/// <summary>The peer broke the sync protocol (a message out of order, an event leaving a hole, a malformed message).</summary>
public sealed class SyncProtocolException(string message) : ZamException(message);

/// <summary>The peer refused the session, or we refused it (incompatible contract or protocol, wrong identity).</summary>
public sealed class SyncRefusedException(string message) : ZamException(message);

/// <summary>A deadline of the session passed: the peer was silent too long, or the whole session took too long.</summary>
public sealed class SyncTimeoutException(string message, Exception? inner = null) : ZamException(message, inner);

/// <summary>A peer needs events this node has compacted away.</summary>
public sealed class EventsCompactedException(NodeId origin, ulong requested, ulong floor)
    : ZamException($"Events of origin {origin} from sequence {requested} were compacted (this node keeps only those after {floor}). Sync that peer from a node that still holds them.")
{
    public NodeId Origin { get; } = origin;
    public ulong Requested { get; } = requested;
    public ulong Floor { get; } = floor;
}

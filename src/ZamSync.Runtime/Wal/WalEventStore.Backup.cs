using Microsoft.Win32.SafeHandles;

namespace ZamSync.Wal;

internal sealed partial class WalEventStore
{
    /// <summary>
    /// A read handle of the log and its durable length, for a backup of the running engine. The caller holds
    /// <see cref="PauseCommitsAsync"/>, so no batch is half written and no compaction swaps the file meanwhile. The
    /// log is append-only below its durable length, so the handle's first <c>Length</c> bytes stay as they are after
    /// the pause ends: commits append after them, and a compaction writes a new file and renames it over this one
    /// (the handle keeps the old file).
    /// </summary>
    internal (SafeFileHandle File, long Length, VersionVector Known) OpenDurablePrefix()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var file = File.OpenHandle(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return (file, _durableLength, _index.Known());
        }
    }
}

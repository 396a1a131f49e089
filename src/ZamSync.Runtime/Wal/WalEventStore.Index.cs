using Microsoft.Win32.SafeHandles;
using ZamSync.Storage;
using ZamSync.Wal.Index;

namespace ZamSync.Wal;

// The persisted index (events.idx, Index/WalIndexFile.cs): written at a clean close, after a compaction and with every
// checkpoint, so that opening a large log reads only the part written after it. The log stays the only truth: an index
// that does not check out against it is dropped and the log scanned whole.
internal sealed partial class WalEventStore
{
    private const string NoIndexFile = "there is no index file";

    // Guarded by _gate: what events.idx covers now, so a close right after a checkpoint does not write it twice.
    private (ulong Generation, long Length) _persistedIndex = (0, -1);

    /// <summary>The bytes the in-memory index holds (its columns' chunks and its origin table).</summary>
    internal long IndexBytes { get { lock (_gate) return _index.AllocatedBytes; } }

    /// <summary>Opening's scan: from the persisted index when it checks out (then only the tail after it is read), else the whole log.</summary>
    private static (WalScanner.Result Scan, string? IndexNotUsed) ScanOnOpen(string path, NodeId owner, WalFileHeader header, SafeFileHandle file, long length, WalCipher? cipher)
    {
        var scanner = new WalScanner(file, length, path, header.SealedLength, cipher);
        string directory = Path.GetDirectoryName(path)!;
        string? reason = null;
        WalBase? walBase = null;
        long firstStart = WalFileHeader.Size;
        // A compacted log starts with its base record, which the index does not keep (it holds the state snapshot).
        if (header.SealedLength > 0) walBase = scanner.TryReadBase(out firstStart, out reason);
        if (reason is null && WalIndexFile.TryLoad(directory, header, file, length, firstStart, cipher, out reason) is { } loaded)
        {
            var index = loaded.Index;
            if (FloorsMatch(index, walBase))
            {
                var resume = new WalScanner.Result { Index = index, Base = walBase, LastBatch = loaded.LastBatch };
                foreach (var stamp in index.HighStamps().Values) resume.MaxHlc = Max(resume.MaxHlc, stamp);
                resume.MaxOwnHlc = Max(walBase?.Clock ?? default, index.HighStamp(owner));
                return (scanner.Scan(owner, resume, loaded.Covered), null);
            }
            reason = "the index file's floors differ from the log's base record";
        }
        // An index that failed its checks must never come back to life (the log could grow back past it): drop it.
        if (reason != NoIndexFile) DurableFile.TryDelete(WalIndexFile.PathIn(directory));
        return (scanner.Scan(owner), reason);
    }

    private static bool FloorsMatch(WalIndex index, WalBase? walBase)
    {
        var floors = walBase?.Floors ?? new VersionVector();
        foreach (var (origin, seq) in floors)
            if (index.Floor(origin) != seq) return false;
        for (int id = 0; id < index.OriginCount; id++)
        {
            var log = index.OriginAt(id);
            if (log.Floor != floors[log.Id]) return false;
        }
        return true;
    }

    private static Hlc Max(Hlc a, Hlc b) => a > b ? a : b;

    /// <summary>
    /// Writes events.idx for the log as it stands. Only between commits (closing, or with commits paused), and never
    /// failing its caller: it only speeds up the next open.
    /// </summary>
    private void PersistIndex()
    {
        byte[]? bytes;
        SafeFileHandle file;
        WalIndexFile.Coverage coverage;
        lock (_gate)
        {
            if (_poisoned is not null || _file.IsClosed || _inflight is not null || _index.HasLateEvents) return;
            if (_persistedIndex == (Header.Generation, _durableLength)) return;
            file = _file;
            long firstStart = _index.Count > 0 ? _index.FirstStart : _durableLength;
            coverage = new WalIndexFile.Coverage(Header.Generation, _durableLength, _lastBatch, firstStart);
            // Encoded under the lock: the columns are append-only, but the counts must agree with one another.
            bytes = WalIndexFile.Encode(_index, coverage, WalIndexFile.BoundaryChecksum(file, _durableLength), _cipher);
        }
        if (bytes is null) return; // too large for one file: the next open scans
        try
        {
            WalIndexFile.Write(DataDirectory, bytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A full disk, typically. The index already on disk still describes a prefix of this log (or fails its
            // checks at the next open), so leaving it is safe.
            return;
        }
        lock (_gate) _persistedIndex = (coverage.Generation, coverage.Length);
    }
}

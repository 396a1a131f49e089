using Microsoft.Win32.SafeHandles;
using ZamSync.Storage;

namespace ZamSync.Wal;

internal sealed partial class WalEventStore
{
    /// <summary>
    /// Rewrites the log without the events at or below the compaction's
    /// <see cref="StoreCompaction.Floors"/>, starting it with a base
    /// record that keeps those floors (so the node never forgets an origin or reuses a sequence) and the
    /// state's <see cref="StoreCompaction.Snapshot"/> at its <see cref="StoreCompaction.Horizon"/>. Atomic: the new file is written and
    /// flushed beside the old one, then renamed over it and the directory flushed. A crash at any point
    /// leaves either the old log or the new one.
    /// </summary>
    /// <remarks>The caller must hold <see cref="PauseCommitsAsync"/>, so the log cannot grow meanwhile.</remarks>
    public ValueTask CompactAsync(StoreCompaction compaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(compaction);
        cancellationToken.ThrowIfCancellationRequested();
        Compact(compaction.Floors, compaction.Horizon, compaction.Clock, compaction.Snapshot.ToArray());
        return ValueTask.CompletedTask;
    }

    private void Compact(VersionVector floors, EventKey? horizon, Hlc clock, byte[] snapshot)
    {
        {
            SafeFileHandle oldFile;
            long length;
            VersionVector allFloors;
            Dictionary<NodeId, Hlc> highStamps;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                oldFile = _file;
                length = _durableLength;
                allFloors = _base?.Floors.Clone() ?? new VersionVector();
                // Survivors are rescanned after the swap, so the stamps of everything held now are a safe
                // (never too low) record of what the dropped events reached.
                highStamps = _index.HighStamps();
            }
            allFloors.Merge(floors);
            foreach (var origin in highStamps.Keys.Where(o => allFloors[o] == 0).ToList()) highStamps.Remove(origin);
            var header = WalFileHeader.Create(Header.Cipher, NodeId);
            string temp = _path + ".compact";
            try
            {
                using var output = File.OpenHandle(temp, FileMode.Create, FileAccess.Write, FileShare.None);
                long at = WriteBase(output, new WalBase(allFloors, horizon, snapshot) { Clock = clock, HighStamps = highStamps });
                at = CopySurvivors(oldFile, length, output, at, allFloors);
                // Everything written so far reaches the disk before the rename publishes it, so no crash can
                // tear it: the header says so, and recovery refuses (never cuts) damage inside it.
                header = header with { SealedLength = at };
                WriteHeader(output, header);
                RandomAccess.FlushToDisk(output);
            }
            catch
            {
                // Typically a full disk: don't keep holding the space the node needs to go on appending.
                DurableFile.TryDelete(temp);
                throw;
            }

            _fileSwap.EnterWriteLock();
            try
            {
                DurableFile.Replace(temp, _path);
                try
                {
                    var file = File.OpenHandle(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
                    var scan = new WalScanner(file, RandomAccess.GetLength(file), _path, header.SealedLength, _cipher).Scan(NodeId);
                    lock (_gate)
                    {
                        _file = file;
                        _index = scan.Index;
                        _durableLength = scan.End;
                        _base = scan.Base;
                        Base = Describe(scan.Base);
                        Header = header;
                    }
                    oldFile.Dispose();
                }
                catch (Exception ex)
                {
                    // The new log is in place but we could not switch to it: appending to the old, now nameless
                    // file would lose those events at the next open. Refuse appends until the engine reopens.
                    lock (_gate) _poisoned = ex;
                    throw;
                }
            }
            finally
            {
                _fileSwap.ExitWriteLock();
            }
            // The old index describes the old generation: write the new log's, so the next open need not scan it.
            PersistIndex();
        }
    }

    private void WriteHeader(SafeFileHandle output, WalFileHeader header)
    {
        var headerBytes = new byte[WalFileHeader.Size];
        header.Write(headerBytes, _cipher);
        RandomAccess.Write(output, headerBytes, 0);
    }

    /// <summary>Writes the base record (batch 0) after the space of the header, which is written last.</summary>
    private long WriteBase(SafeFileHandle output, WalBase walBase)
    {
        var body = walBase.Encode();
        var record = new byte[WalRecord.EncodedLength(body.Length, _cipher)];
        var identity = new EventEnvelope(NodeId, 0, default, 0, default);
        WalRecord.Write(record, WalRecordKind.Base, WalRecordFlags.BatchStart, batch: 0, identity, body, _cipher);
        RandomAccess.Write(output, record, WalFileHeader.Size);
        return WalFileHeader.Size + record.Length;
    }

    /// <summary>Copies the records above the floors, in file order, unchanged (batch numbers included).</summary>
    private long CopySurvivors(SafeFileHandle input, long length, SafeFileHandle output, long at, VersionVector floors)
    {
        var head = new byte[WalRecord.HeaderSize];
        for (long offset = WalFileHeader.Size; offset < length;)
        {
            RandomAccess.Read(input, head, offset);
            if (!WalRecord.TryReadHeader(head, out var header))
                throw new WalCorruptionException(_path, offset, -1, "a record changed on disk during compaction");
            if (header.Kind == WalRecordKind.Event && header.Sequence > floors[header.Origin])
            {
                var record = new byte[header.RecordLength];
                RandomAccess.Read(input, record, offset);
                if (!WalRecord.BodyChecksumMatches(record, header.BodyLength))
                    throw new WalCorruptionException(_path, offset, -1, "a record body changed on disk during compaction");
                RandomAccess.Write(output, record, at);
                at += record.Length;
            }
            offset += header.RecordLength;
        }
        return at;
    }
}

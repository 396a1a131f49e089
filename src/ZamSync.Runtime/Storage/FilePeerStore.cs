using System.Buffers.Binary;

namespace ZamSync.Storage;

/// <summary>
/// Peer knowledge as an append-only log, <c>peers.log</c> (docs/wal-format.md, "peers.log"): a magic, then one small
/// checksummed record per changed peer and save. Opening replays it (holds merged, so knowledge never goes backwards;
/// the last fingerprint wins), cuts a torn last record, refuses a damaged one before the end (naming the file and
/// offset, as the event log does), and migrates a <c>peers.state</c> of earlier versions. The log is rewritten
/// (atomically) only at open or when it has grown well past the table it describes, never per update.
/// </summary>
public sealed class FilePeerStore(string directory) : IPeerStore
{
    /// <summary>The log's name in the data directory.</summary>
    public const string FileName = "peers.log";

    /// <summary>The whole-table file of earlier versions, read once and migrated into <see cref="FileName"/>.</summary>
    public const string LegacyFileName = LegacyPeerStateFile.FileName;

    private static ReadOnlySpan<byte> Magic => "ZSPEERL1"u8;

    /// <summary>Below this the log is never rewritten: a few thousand records cost nothing to replay.</summary>
    private const long MinCompactBytes = 1 << 20;

    private readonly string _path = Path.Combine(directory, FileName);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<NodeId, PeerRecord> _table = new();
    private readonly Dictionary<NodeId, int> _recordSizes = new();
    private long _length = -1;
    private long _tableBytes;

    /// <inheritdoc />
    public async ValueTask<IReadOnlyDictionary<NodeId, PeerRecord>> LoadAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _table.Clear();
            _recordSizes.Clear();
            _tableBytes = 0;
            var legacy = new LegacyPeerStateFile(directory);
            bool migrate = File.Exists(legacy.Path);
            // The old table first, the log over it: if a migration was cut after the log was written but before the
            // old file was deleted, both hold the same knowledge and merging them changes nothing.
            if (migrate)
                foreach (var (peer, record) in legacy.Load()) Remember(peer, record);
            long good = File.Exists(_path) ? Replay() : 0;
            bool torn = File.Exists(_path) && good < new FileInfo(_path).Length;
            if (migrate || good < Magic.Length || torn || good > CompactionBound())
                Rewrite();
            else
                _length = good;
            if (migrate) File.Delete(legacy.Path);
            return _table.ToDictionary(p => p.Key, p => p.Value with { Holds = p.Value.Holds.Clone() });
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The log's bytes up to its last complete save, read between saves (under the store's gate), for a backup taken
    /// while the engine runs: a save in progress is never half in the copy. Null when there is no log yet.
    /// </summary>
    internal async ValueTask<byte[]?> ReadSavedBytesAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!File.Exists(_path)) return null;
            using var handle = File.OpenHandle(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            long length = _length >= 0 ? Math.Min(_length, RandomAccess.GetLength(handle)) : RandomAccess.GetLength(handle);
            var bytes = new byte[length];
            int read = 0;
            while (read < bytes.Length)
            {
                int n = RandomAccess.Read(handle, bytes.AsSpan(read), read);
                if (n == 0) break;
                read += n;
            }
            return read == bytes.Length ? bytes : bytes[..read];
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask SaveAsync(IReadOnlyDictionary<NodeId, PeerRecord> changed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changed);
        if (changed.Count == 0) return;
        var records = changed.OrderBy(p => p.Key.Value).Select(p => (p.Key, p.Value, Bytes: PeerLogRecord.Encode(p.Key, p.Value))).ToArray();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_length < 0) throw new InvalidOperationException($"'{_path}' must be loaded before it is written.");
            var batch = new byte[records.Sum(r => r.Bytes.Length)];
            int at = 0;
            foreach (var r in records)
            {
                r.Bytes.CopyTo(batch, at);
                at += r.Bytes.Length;
            }
            using (var handle = File.OpenHandle(_path, FileMode.Open, FileAccess.Write, FileShare.Read))
            {
                try
                {
                    await RandomAccess.WriteAsync(handle, batch, _length, CancellationToken.None).ConfigureAwait(false);
                    RandomAccess.FlushToDisk(handle);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // A full disk can leave part of the batch behind: cut it, so the next append starts clean and
                    // a replay never finds a stray fragment before a later record (which it would call damage).
                    TryCut(handle);
                    throw;
                }
            }
            _length += batch.Length;
            foreach (var r in records) Remember(r.Key, r.Value);
            // Rewriting here runs under this store's own gate, off any engine lock, and only once the log holds
            // many times the table: amortised, it costs a constant per appended record.
            if (_length > CompactionBound()) Rewrite();
        }
        finally
        {
            _gate.Release();
        }
    }

    private void TryCut(Microsoft.Win32.SafeHandles.SafeFileHandle handle)
    {
        try
        {
            RandomAccess.SetLength(handle, _length);
        }
        catch (IOException) { } // the original error is what the caller must see; a torn fragment is cut at open
    }

    private long CompactionBound() => Math.Max(MinCompactBytes, 4 * (Magic.Length + _tableBytes));

    /// <summary>Replays the log into the table; returns the length of its intact prefix.</summary>
    private long Replay()
    {
        var bytes = File.ReadAllBytes(_path);
        if (bytes.Length < Magic.Length) return 0; // a creation cut before its magic was written: nothing was ever stored
        if (!bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            string magic = System.Text.Encoding.ASCII.GetString(bytes, 0, Magic.Length);
            throw new ZamException(magic.StartsWith("ZSPEERL", StringComparison.Ordinal)
                ? $"'{_path}' has format '{magic}', which this version of ZamSync does not know (it reads ZSPEERL1): it was written by a newer version."
                : $"'{_path}' is not a peer log (it starts with '{magic}').");
        }
        long offset = Magic.Length;
        while (offset < bytes.Length)
        {
            var rest = bytes.AsSpan((int)offset);
            if (rest.Length < PeerLogRecord.HeaderSize) return offset; // torn header
            int length = BinaryPrimitives.ReadInt32LittleEndian(rest);
            uint crc = BinaryPrimitives.ReadUInt32LittleEndian(rest[4..]);
            bool last = length >= 0 && length >= rest.Length - PeerLogRecord.HeaderSize;
            if (length < 0 || length > PeerLogRecord.MaxBodyBytes || length > rest.Length - PeerLogRecord.HeaderSize)
            {
                // A record that runs past the end is the last write, cut by a crash; an impossible length is damage.
                if (length >= 0 && length <= PeerLogRecord.MaxBodyBytes) return offset;
                throw Damaged(offset, $"a record claims {length} bytes");
            }
            var body = rest.Slice(PeerLogRecord.HeaderSize, length);
            if (Crc32C.HashToUInt32(body) != crc)
            {
                // The last record may be torn (its bytes never all reached the disk): it was never acknowledged.
                // Before the end, a later save succeeded after it, so this is media damage: refuse, like the WAL.
                if (last) return offset;
                throw Damaged(offset, "a record's checksum does not match");
            }
            if (!PeerLogRecord.TryDecode(body, out var peer, out var record))
                throw Damaged(offset, "a record's checksum matches but its fields do not add up");
            Remember(peer, record);
            offset += PeerLogRecord.HeaderSize + length;
        }
        return offset;
    }

    /// <summary>Folds one record into the table: holds merge (never backwards), the fingerprint is the latest.</summary>
    private void Remember(NodeId peer, PeerRecord record)
    {
        var holds = _table.TryGetValue(peer, out var known) ? known.Holds.Clone() : new VersionVector();
        holds.Merge(record.Holds);
        var merged = new PeerRecord(holds, string.IsNullOrEmpty(record.ContractFingerprint) ? null : record.ContractFingerprint);
        _table[peer] = merged;
        int size = PeerLogRecord.HeaderSize + 16 + holds.EncodedSize + (merged.ContractFingerprint?.Length ?? 0) * 4;
        _tableBytes += size - _recordSizes.GetValueOrDefault(peer);
        _recordSizes[peer] = size;
    }

    /// <summary>Atomically replaces the log with one record per peer (temporary file, fsync, rename, directory fsync).</summary>
    private void Rewrite()
    {
        var records = _table.OrderBy(p => p.Key.Value).Select(p => PeerLogRecord.Encode(p.Key, p.Value)).ToArray();
        var bytes = new byte[Magic.Length + records.Sum(r => r.Length)];
        Magic.CopyTo(bytes);
        int at = Magic.Length;
        foreach (var r in records)
        {
            r.CopyTo(bytes, at);
            at += r.Length;
        }
        DurableFile.WriteAllBytes(_path, bytes);
        _length = bytes.Length;
    }

    private ZamException Damaged(long offset, string what) =>
        new($"'{_path}' is damaged at offset {offset} ({what}), before its last record, so this is media damage, not a cut write. Delete it (with the engine stopped) to let peers re-declare what they hold, and do not compact until every peer has synced again (compaction only waits for peers it knows of; the next session to each peer also sends the contract schema).");
}

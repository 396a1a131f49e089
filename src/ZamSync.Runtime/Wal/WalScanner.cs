using Microsoft.Win32.SafeHandles;

namespace ZamSync.Wal;

/// <summary>
/// Reads a log on open: checks every record's checksums (never decrypting or decoding a payload), builds
/// the index, and tells a torn tail from damage in the middle.
/// </summary>
/// <remarks>
/// The writer appends a batch and fsyncs it before it writes the next, so a crash can only leave the last
/// batch torn, in any pattern of pages. Recovery therefore truncates a damaged region only when every
/// intact record after it belongs to one batch, the newest; anything else is damage the crash could not
/// have caused, and opening fails with the offset rather than silently dropping the records after it.
/// </remarks>
internal sealed class WalScanner
{

    private readonly SafeFileHandle _file;
    private readonly long _length;
    private readonly string _path;
    private readonly long _sealedLength;
    private readonly WalCipher? _cipher;
    private byte[] _buffer = new byte[1 << 20];
    private long _bufferStart;
    private int _bufferCount;

    /// <param name="sealedLength">The prefix compaction wrote whole (0 when none): damage there is never a tear.</param>
    public WalScanner(SafeFileHandle file, long length, string path, long sealedLength, WalCipher? cipher)
    {
        _cipher = cipher;
        _file = file;
        _length = length;
        _path = path;
        _sealedLength = sealedLength;
    }

    public sealed class Result
    {
        public WalIndex Index { get; init; } = new();
        /// <summary>The base record of a compacted log, if this log was compacted.</summary>
        public WalBase? Base { get; set; }
        public uint LastBatch { get; set; }
        public long End { get; set; }
        public long TruncatedAt { get; set; } = -1;
        /// <summary>The reading this node's clock must pass: its highest own stamp, and its clock when it compacted.</summary>
        public Hlc MaxOwnHlc { get; set; }
        /// <summary>The highest stamp held, compacted events included.</summary>
        public Hlc MaxHlc { get; set; }
        /// <summary>Records read and checked by this scan (the base record included); the rest came from a persisted index.</summary>
        public long RecordsScanned { get; set; }
    }

    /// <summary>Scans the whole log.</summary>
    public Result Scan(NodeId owner) => Scan(owner, new Result(), WalFileHeader.Size);

    /// <summary>
    /// Scans from <paramref name="from"/> (where the part a persisted index covers ends) into <paramref name="result"/>,
    /// which holds what the index knew: the base, the last batch, the stamps.
    /// </summary>
    public Result Scan(NodeId owner, Result result, long from)
    {
        long offset = from;
        bool first = from == WalFileHeader.Size;
        while (offset < _length)
        {
            string? damage = TryReadRecord(offset, out var header);
            if (damage is not null)
            {
                HandleDamage(offset, damage, result.LastBatch);
                result.TruncatedAt = offset;
                break;
            }
            if (header.Kind == WalRecordKind.Base)
            {
                if (!first) throw new WalCorruptionException(_path, offset, -1, "a base record appears after the first record");
                var raw = Window(offset, header.RecordLength).ToArray();
                var body = WalRecord.OpenBody(raw, header, _cipher, _path, offset);
                result.Base = WalBase.TryDecode(body.Span) ?? throw new WalCorruptionException(_path, offset, -1, "the base record of a compacted log is malformed");
                result.Index.SetFloors(result.Base.Floors, result.Base.HighStamps);
                // Compaction dropped events but not what they taught the clock: own stamps must keep rising
                // past the dropped ones (and past the clock at compaction), whatever the wall clock says now.
                result.MaxOwnHlc = Max(result.Base.Clock, result.Base.HighStamps.GetValueOrDefault(owner));
                foreach (var stamp in result.Base.HighStamps.Values) result.MaxHlc = Max(result.MaxHlc, stamp);
            }
            else
            {
                if (!result.Index.TryAdd(header.Key, new RecordRef(offset, header.RecordLength)))
                    throw new WalCorruptionException(_path, offset, -1,
                        $"event {header.Origin}#{header.Sequence} does not continue its origin's sequence (expected #{result.Index.Last(header.Origin) + 1})");
                if (header.Origin == owner && header.Hlc > result.MaxOwnHlc) result.MaxOwnHlc = header.Hlc;
                if (header.Hlc > result.MaxHlc) result.MaxHlc = header.Hlc;
            }
            if (header.Batch > result.LastBatch) result.LastBatch = header.Batch;
            result.RecordsScanned++;
            first = false;
            offset += header.RecordLength;
        }
        result.Index.CompleteBatch();
        result.End = result.TruncatedAt >= 0 ? result.TruncatedAt : offset;
        return result;
    }

    /// <summary>
    /// Reads and checks the base record a compacted log starts with (for an open from a persisted index, which
    /// keeps no snapshot): its end, or a reason it cannot be used.
    /// </summary>
    public WalBase? TryReadBase(out long end, out string? problem)
    {
        end = WalFileHeader.Size;
        problem = TryReadRecord(WalFileHeader.Size, out var header);
        if (problem is null && header.Kind != WalRecordKind.Base) problem = "the log does not start with a base record";
        if (problem is not null) return null;
        var raw = Window(WalFileHeader.Size, header.RecordLength).ToArray();
        var body = WalRecord.OpenBody(raw, header, _cipher, _path, WalFileHeader.Size);
        var walBase = WalBase.TryDecode(body.Span);
        if (walBase is null) problem = "the base record is malformed";
        end += header.RecordLength;
        return walBase;
    }

    private static Hlc Max(Hlc a, Hlc b) => a > b ? a : b;

    /// <summary>Checks the record at <paramref name="offset"/>; returns why it is bad, or null when intact.</summary>
    private string? TryReadRecord(long offset, out WalRecordHeader header)
    {
        header = default;
        long remaining = _length - offset;
        if (remaining < WalRecord.HeaderSize) return "the file ends inside a record header";
        var head = Window(offset, WalRecord.HeaderSize);
        if (!WalRecord.TryReadHeader(head, out header)) return "a record header fails its magic or checksum";
        // No configured limit here: lowering the write limit must never make intact older records look damaged.
        // The header's own checksum vouches for the length, and the file's size bounds it.
        // In long: in int, 56 + a length near int.MaxValue wraps to a negative record length that passes the
        // file-length check and then throws ArgumentOutOfRangeException in Window instead of reporting damage.
        long recordLength = (long)WalRecord.Overhead + header.BodyLength;
        if (recordLength > remaining) return $"a record claims {header.BodyLength} bytes but the file ends first";
        if (recordLength > Array.MaxLength) return $"a record claims {header.BodyLength} bytes, more than one record can hold";
        var record = Window(offset, header.RecordLength);
        return WalRecord.BodyChecksumMatches(record, header.BodyLength) ? null : "a record body fails its checksum";
    }

    private void HandleDamage(long offset, string reason, uint lastGoodBatch)
    {
        if (offset < _sealedLength)
            throw new WalCorruptionException(_path, offset, -1, reason + ", inside the part compaction wrote whole (no crash can tear it)");

        // Batches are numbered consecutively as they are written, and batch n is fsynced before batch n+1
        // is written: a crash can only tear the newest batch. So the intact records after the damage must all
        // belong to one batch that is either the last good one (damage inside it) or the next (damage where it
        // begins, so its first intact record cannot be its start). Anything else is damage to a batch that was
        // already durable: refuse, naming where intact records resume.
        long next = -1;
        uint? batch = null;
        for (long candidate = FindMagic(offset + 1); candidate >= 0; candidate = FindMagic(candidate + 1))
        {
            if (TryReadRecord(candidate, out var header) is not null) continue;
            if (next < 0)
            {
                next = candidate;
                batch = header.Batch;
                bool startsBatch = (header.Flags & WalRecordFlags.BatchStart) != 0;
                bool tearable = header.Batch == lastGoodBatch || (header.Batch == lastGoodBatch + 1 && !startsBatch);
                if (!tearable) throw new WalCorruptionException(_path, offset, next, reason);
            }
            else if (header.Batch != batch)
            {
                throw new WalCorruptionException(_path, offset, next, reason);
            }
            candidate += header.RecordLength - 1;
        }
    }

    private long FindMagic(long from)
    {
        Span<byte> magic = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(magic, WalRecord.Magic);
        const int chunk = 1 << 16;
        for (long position = from; position < _length - 3; position += chunk - 3)
        {
            int count = (int)Math.Min(chunk, _length - position);
            var window = Window(position, count);
            int found = window.IndexOf(magic);
            if (found >= 0) return position + found;
        }
        return -1;
    }

    /// <summary>A view of [offset, offset+count) of the file, refilling the buffer as needed.</summary>
    private ReadOnlySpan<byte> Window(long offset, int count)
    {
        if (offset < _bufferStart || offset + count > _bufferStart + _bufferCount)
        {
            if (count > _buffer.Length) _buffer = new byte[Math.Max(count, _buffer.Length * 2)];
            int toRead = (int)Math.Min(_buffer.Length, _length - offset);
            int read = 0;
            while (read < toRead)
            {
                int n = RandomAccess.Read(_file, _buffer.AsSpan(read, toRead - read), offset + read);
                if (n == 0) break;
                read += n;
            }
            _bufferStart = offset;
            _bufferCount = read;
            if (read < count) throw new IOException($"'{_path}' shrank while it was being read.");
        }
        return new ReadOnlySpan<byte>(_buffer, (int)(offset - _bufferStart), count);
    }
}

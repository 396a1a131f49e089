using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using ZamSync.Storage;

namespace ZamSync.Wal.Index;

/// <summary>
/// <c>events.idx</c>: the log's index as it stood at a clean close, a compaction or a checkpoint, so that opening
/// scans only what the log gained after it (docs/wal-format.md, "events.idx"). An accelerator only: opening never
/// trusts it blindly, and when it does not check out the log is scanned whole and the reason reported.
/// </summary>
/// <remarks>
/// <para>Layout (little-endian): a 64-byte header, the origin table, then one column per fact, each with one entry per
/// event in file order (the same columns the index holds in memory, so loading is a copy), the few stamps and origin
/// ids too wide for their column, an AEAD seal over everything before it when the log is encrypted, and an XXH3-64
/// checksum of everything before it. XXH3 rather than CRC-32C because it runs at memory speed, and the whole file is
/// checked on every open.</para>
/// <para>Header: magic "ZAMIDX\r\n" | version u16 | flags u16 (bit 0: sealed) | boundary checksum u32 (low half of an XXH3-64) | log generation
/// u64 | covered length i64 | first event record offset i64 | events i32 | origins i32 | wide stamps i32 | wide
/// origin ids i32 | last batch u32 | reserved u32.</para>
/// </remarks>
internal static class WalIndexFile
{
    public const string FileName = "events.idx";
    private static ReadOnlySpan<byte> Magic => "ZAMIDX\r\n"u8;
    private const ushort CurrentVersion = 1;
    private const ushort SealedFlag = 1;
    private const int HeaderSize = 64, OriginSize = 32, WideStampSize = 16, WideOriginSize = 8, ChecksumSize = 8;

    /// <summary>How many bytes of the log, ending at the covered length, the boundary checksum covers.</summary>
    public const int BoundaryBytes = 4096;

    /// <summary>What an index describes, captured with it (under the store's lock, with no commit in flight).</summary>
    public readonly record struct Coverage(ulong Generation, long Length, uint LastBatch, long FirstStart);

    /// <summary>A persisted index that checked out, with what the tail scan resumes from.</summary>
    public sealed record Loaded(WalIndex Index, long Covered, uint LastBatch);

    public static string PathIn(string directory) => Path.Combine(directory, FileName);

    /// <summary>The file's bytes, or null when the index is too large for one file (a log of about 90M events or more).</summary>
    public static byte[]? Encode(WalIndex index, Coverage coverage, uint boundaryCrc, WalCipher? cipher)
    {
        int count = index.Count;
        int origins = index.OriginCount;
        var wideStamps = index.WideStamps.Where(p => p.Key < count).OrderBy(p => p.Key).ToList();
        var wideOrigins = index.WideOriginIds.Where(p => p.Key < count).OrderBy(p => p.Key).ToList();
        long size = SizeOf(count, origins, wideStamps.Count, wideOrigins.Count, cipher is not null);
        if (size > Array.MaxLength) return null;
        var bytes = GC.AllocateUninitializedArray<byte>((int)size);
        var span = bytes.AsSpan();
        span[..HeaderSize].Clear();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt16LittleEndian(span[8..], CurrentVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(span[10..], cipher is null ? (ushort)0 : SealedFlag);
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], boundaryCrc);
        BinaryPrimitives.WriteUInt64LittleEndian(span[16..], coverage.Generation);
        BinaryPrimitives.WriteInt64LittleEndian(span[24..], coverage.Length);
        BinaryPrimitives.WriteInt64LittleEndian(span[32..], coverage.FirstStart);
        BinaryPrimitives.WriteInt32LittleEndian(span[40..], count);
        BinaryPrimitives.WriteInt32LittleEndian(span[44..], origins);
        BinaryPrimitives.WriteInt32LittleEndian(span[48..], wideStamps.Count);
        BinaryPrimitives.WriteInt32LittleEndian(span[52..], wideOrigins.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(span[56..], coverage.LastBatch);
        int at = HeaderSize;
        for (int id = 0; id < origins; id++, at += OriginSize)
        {
            var log = index.OriginAt(id);
            BinaryPrimitives.WriteUInt64LittleEndian(span[at..], log.Id.Value);
            BinaryPrimitives.WriteUInt64LittleEndian(span[(at + 8)..], log.Floor);
            BinaryPrimitives.WriteInt64LittleEndian(span[(at + 16)..], log.High.Physical);
            BinaryPrimitives.WriteUInt32LittleEndian(span[(at + 24)..], log.High.Logical);
            BinaryPrimitives.WriteInt32LittleEndian(span[(at + 28)..], log.Positions.Count);
        }
        var lengths = MemoryMarshal.Cast<byte, uint>(span.Slice(at, count * 4));
        for (int p = 0; p < count; p++) lengths[p] = (uint)index.RecordAt(p).Length;
        at += count * 4;
        at += CopyColumn(index.OriginIds, count, span[at..], Align8(count * 2));
        at += CopyColumn(index.Stamps, count, span[at..], count * 8);
        at += CopyColumn(index.Fold, count, span[at..], count * 4);
        for (int id = 0; id < origins; id++)
        {
            var positions = index.OriginAt(id).Positions;
            at += CopyColumn(positions, positions.Count, span[at..], positions.Count * 4);
        }
        foreach (var (position, stamp) in wideStamps)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[at..], position);
            BinaryPrimitives.WriteInt64LittleEndian(span[(at + 4)..], stamp.Physical);
            BinaryPrimitives.WriteUInt32LittleEndian(span[(at + 12)..], stamp.Logical);
            at += WideStampSize;
        }
        foreach (var (position, id) in wideOrigins)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[at..], position);
            BinaryPrimitives.WriteInt32LittleEndian(span[(at + 4)..], id);
            at += WideOriginSize;
        }
        if (cipher is not null)
        {
            // Sealed with the log's key: without it nobody can hand the node an index that claims events it lacks.
            cipher.Seal(ReadOnlySpan<byte>.Empty, span[..at], span.Slice(at, WalCipher.Overhead));
            at += WalCipher.Overhead;
        }
        BinaryPrimitives.WriteUInt64LittleEndian(span[at..], XxHash3.HashToUInt64(span[..at]));
        return bytes;
    }

    private static long SizeOf(int count, int origins, int wideStamps, int wideOrigins, bool sealedWithKey) =>
        HeaderSize + (long)origins * OriginSize + 4L * count + Align8(2L * count) + 8L * count + 4L * count + 4L * count
        + (long)wideStamps * WideStampSize + (long)wideOrigins * WideOriginSize + (sealedWithKey ? WalCipher.Overhead : 0) + ChecksumSize;

    private static int Align8(int n) => (n + 7) & ~7;

    private static long Align8(long n) => (n + 7) & ~7L;

    private static int CopyColumn<T>(IndexColumn<T> column, int count, Span<byte> destination, int size) where T : unmanaged
    {
        int at = 0;
        foreach (var segment in column.Segments(count))
        {
            var bytes = MemoryMarshal.AsBytes(segment.Span);
            bytes.CopyTo(destination[at..]);
            at += bytes.Length;
        }
        destination[at..size].Clear();
        return size;
    }

    /// <summary>The checksum of the last <see cref="BoundaryBytes"/> bytes of the log before <paramref name="end"/> (never its header).</summary>
    /// <remarks>
    /// XXH3, not CRC-32C: a record header ends with the CRC-32C of its other bytes, and a CRC run over such a
    /// self-checked block comes out the same whatever the block holds, so a rewritten header with a fresh checksum
    /// would pass a CRC-32C of the boundary unnoticed.
    /// </remarks>
    public static uint BoundaryChecksum(SafeFileHandle log, long end)
    {
        long start = Math.Max(WalFileHeader.Size, end - BoundaryBytes);
        Span<byte> bytes = stackalloc byte[BoundaryBytes];
        var window = bytes[..(int)(end - start)];
        int read = 0;
        while (read < window.Length)
        {
            int n = RandomAccess.Read(log, window[read..], start + read);
            if (n == 0) return 0;
            read += n;
        }
        return (uint)XxHash3.HashToUInt64(window);
    }

    /// <summary>Writes the index durably (temporary file, fsync, rename, directory fsync).</summary>
    public static void Write(string directory, ReadOnlySpan<byte> bytes) => DurableFile.WriteAllBytes(PathIn(directory), bytes);

    /// <summary>
    /// Reads and checks the persisted index against the log as it is now: null, with the reason, when there is none
    /// or it cannot be used (damaged, sealed with another key, of another generation, or the log changed behind it).
    /// </summary>
    /// <param name="firstStart">Where the log's event records begin: after the header, or after its base record.</param>
    public static Loaded? TryLoad(string directory, WalFileHeader logHeader, SafeFileHandle log, long logLength, long firstStart,
        WalCipher? cipher, out string reason)
    {
        string path = PathIn(directory);
        byte[] bytes;
        try
        {
            using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            long size = RandomAccess.GetLength(file);
            if (size < HeaderSize + ChecksumSize || size > Array.MaxLength)
            {
                reason = $"the index file has an impossible size ({size} bytes)";
                return null;
            }
            bytes = GC.AllocateUninitializedArray<byte>((int)size);
            int read = 0;
            while (read < bytes.Length)
            {
                int n = RandomAccess.Read(file, bytes.AsSpan(read), read);
                if (n == 0) break;
                read += n;
            }
            if (read != bytes.Length)
            {
                reason = "the index file shrank while it was read";
                return null;
            }
        }
        catch (FileNotFoundException)
        {
            reason = "there is no index file";
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            reason = $"the index file could not be read ({ex.Message})";
            return null;
        }
        return Check(bytes, logHeader, log, logLength, firstStart, cipher, out reason);
    }

    private static Loaded? Check(byte[] bytes, WalFileHeader logHeader, SafeFileHandle log, long logLength, long firstStart, WalCipher? cipher, out string reason)
    {
        var span = bytes.AsSpan();
        if (!span[..8].SequenceEqual(Magic)) return Refuse("the index file has no index magic", out reason);
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(span[8..]);
        if (version != CurrentVersion) return Refuse($"the index file has format version {version}; this build reads {CurrentVersion}", out reason);
        int checkedLength = span.Length - ChecksumSize;
        if (XxHash3.HashToUInt64(span[..checkedLength]) != BinaryPrimitives.ReadUInt64LittleEndian(span[checkedLength..]))
            return Refuse("the index file fails its checksum", out reason);
        bool sealedWithKey = (BinaryPrimitives.ReadUInt16LittleEndian(span[10..]) & SealedFlag) != 0;
        if (sealedWithKey != (cipher is not null))
            return Refuse(cipher is null ? "the index file is sealed but the log is not encrypted" : "the index file of an encrypted log is not sealed", out reason);
        if (cipher is not null)
        {
            int sealAt = checkedLength - WalCipher.Overhead;
            if (sealAt < HeaderSize || !cipher.TryOpen(span.Slice(sealAt, WalCipher.Overhead), span[..sealAt], Span<byte>.Empty))
                return Refuse("the index file fails authentication with the log's key", out reason);
        }
        uint boundary = BinaryPrimitives.ReadUInt32LittleEndian(span[12..]);
        ulong generation = BinaryPrimitives.ReadUInt64LittleEndian(span[16..]);
        long covered = BinaryPrimitives.ReadInt64LittleEndian(span[24..]);
        long indexedFirstStart = BinaryPrimitives.ReadInt64LittleEndian(span[32..]);
        int count = BinaryPrimitives.ReadInt32LittleEndian(span[40..]);
        int origins = BinaryPrimitives.ReadInt32LittleEndian(span[44..]);
        int wideStamps = BinaryPrimitives.ReadInt32LittleEndian(span[48..]);
        int wideOrigins = BinaryPrimitives.ReadInt32LittleEndian(span[52..]);
        uint lastBatch = BinaryPrimitives.ReadUInt32LittleEndian(span[56..]);
        if (generation != logHeader.Generation)
            return Refuse($"the index file describes another log (generation {generation:x16}, the log's is {logHeader.Generation:x16})", out reason);
        if (covered > logLength) return Refuse($"the log is shorter ({logLength} bytes) than the {covered} bytes the index covers", out reason);
        if (indexedFirstStart != firstStart || covered < firstStart)
            return Refuse($"the index file's records start at {indexedFirstStart}, the log's at {firstStart}", out reason);
        if (count < 0 || origins < 0 || wideStamps < 0 || wideOrigins < 0 || wideStamps > count || wideOrigins > count ||
            SizeOf(count, origins, wideStamps, wideOrigins, sealedWithKey) != span.Length)
            return Refuse("the index file's counts do not match its size", out reason);
        if (BoundaryChecksum(log, covered) != boundary) return Refuse("the log's bytes before the covered length changed since the index was written", out reason);
        return Build(span, count, origins, wideStamps, wideOrigins, covered, firstStart, lastBatch, out reason);
    }

    private static Loaded? Build(ReadOnlySpan<byte> span, int count, int origins, int wideStampCount, int wideOriginCount,
        long covered, long firstStart, uint lastBatch, out string reason)
    {
        var index = new WalIndex();
        var held = new int[origins];
        int at = HeaderSize;
        long heldTotal = 0;
        for (int id = 0; id < origins; id++, at += OriginSize)
        {
            var node = new NodeId(BinaryPrimitives.ReadUInt64LittleEndian(span[at..]));
            index.SetOrigin(node, BinaryPrimitives.ReadUInt64LittleEndian(span[(at + 8)..]),
                new Hlc(BinaryPrimitives.ReadInt64LittleEndian(span[(at + 16)..]), BinaryPrimitives.ReadUInt32LittleEndian(span[(at + 24)..])));
            held[id] = BinaryPrimitives.ReadInt32LittleEndian(span[(at + 28)..]);
            if (node.IsEmpty || index.OriginCount != id + 1 || held[id] < 0) return Refuse("the index file's origin table is malformed", out reason);
            heldTotal += held[id];
        }
        if (heldTotal != count) return Refuse("the index file's origins do not hold its events", out reason);
        var lengths = MemoryMarshal.Cast<byte, uint>(span.Slice(at, count * 4));
        at += count * 4;
        var originIds = MemoryMarshal.Cast<byte, ushort>(span.Slice(at, count * 2));
        at += Align8(count * 2);
        var stamps = MemoryMarshal.Cast<byte, ulong>(span.Slice(at, count * 8));
        at += count * 8;
        var fold = MemoryMarshal.Cast<byte, int>(span.Slice(at, count * 4));
        at += count * 4;
        var positions = MemoryMarshal.Cast<byte, int>(span.Slice(at, count * 4));
        at += count * 4;
        var wideStamps = new KeyValuePair<int, Hlc>[wideStampCount];
        for (int i = 0; i < wideStampCount; i++, at += WideStampSize)
            wideStamps[i] = new(BinaryPrimitives.ReadInt32LittleEndian(span[at..]),
                new Hlc(BinaryPrimitives.ReadInt64LittleEndian(span[(at + 4)..]), BinaryPrimitives.ReadUInt32LittleEndian(span[(at + 12)..])));
        var wideOrigins = new KeyValuePair<int, int>[wideOriginCount];
        for (int i = 0; i < wideOriginCount; i++, at += WideOriginSize)
            wideOrigins[i] = new(BinaryPrimitives.ReadInt32LittleEndian(span[at..]), BinaryPrimitives.ReadInt32LittleEndian(span[(at + 4)..]));

        if (IndexFileChecks.Problem(lengths, originIds, stamps, fold, held, positions, wideStamps, wideOrigins, covered - firstStart) is { } problem)
            return Refuse("the index file " + problem, out reason);
        index.LoadColumns(firstStart, lengths, originIds, stamps, fold, held, positions, wideStamps, wideOrigins);
        reason = "";
        return new Loaded(index, covered, lastBatch);
    }

    private static Loaded? Refuse(string why, out string reason)
    {
        reason = why;
        return null;
    }
}

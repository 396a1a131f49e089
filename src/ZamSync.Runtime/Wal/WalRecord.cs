using System.Buffers.Binary;
using System.IO.Hashing;

namespace ZamSync.Wal;

internal enum WalRecordKind : byte
{
    /// <summary>A domain event.</summary>
    Event = 1,
    /// <summary>The base of a compacted log: what compaction dropped (per-origin floors) and the state at that point.</summary>
    Base = 2,
}

[Flags]
internal enum WalRecordFlags : byte
{
    None = 0,
    /// <summary>Stored and forwarded, never applied: the local validator refused it.</summary>
    Quarantined = 1,
    /// <summary>The first record of a commit batch: lets recovery tell which batch a damaged region began.</summary>
    BatchStart = 2,
}

/// <summary>The fixed part of a record, decoded.</summary>
internal readonly record struct WalRecordHeader(
    WalRecordKind Kind, WalRecordFlags Flags, uint Batch, int BodyLength,
    NodeId Origin, ulong Sequence, Hlc Hlc, uint EventType)
{
    public EventKey Key => new(Hlc, Origin, Sequence);
    public int RecordLength => WalRecord.Overhead + BodyLength;
}

/// <summary>
/// A record: 52-byte header, body, 4-byte body CRC. See docs/wal-format.md.
/// </summary>
/// <remarks>
/// Header (little-endian): magic u32 | kind u8 | flags u8 | reserved u16 | batch u32 | body length u32 |
/// origin u64 | sequence u64 | HLC physical i64 | HLC logical u32 | event type u32 | CRC-32C of bytes
/// 0..48 (u32). The header has its own checksum so the length can be trusted (and bounds-checked against
/// the file) before a single byte of the body is read or allocated.
/// </remarks>
internal static class WalRecord
{
    public const uint Magic = 0x4345525A; // "ZREC" read little-endian
    public const int HeaderSize = 52, TrailerSize = 4, Overhead = HeaderSize + TrailerSize;
    private const int AssociatedDataSize = 34;

    public static void WriteHeader(Span<byte> destination, in WalRecordHeader h)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Magic);
        destination[4] = (byte)h.Kind;
        destination[5] = (byte)h.Flags;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], h.Batch);
        BinaryPrimitives.WriteInt32LittleEndian(destination[12..], h.BodyLength);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], h.Origin.Value);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], h.Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(destination[32..], h.Hlc.Physical);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[40..], h.Hlc.Logical);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[44..], h.EventType);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[48..], Crc32C.HashToUInt32(destination[..48]));
    }

    /// <summary>Decodes a header; false if the magic, the checksum or the reserved bits are wrong.</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> source, out WalRecordHeader header)
    {
        header = default;
        if (source.Length < HeaderSize) return false;
        if (BinaryPrimitives.ReadUInt32LittleEndian(source) != Magic) return false;
        if (BinaryPrimitives.ReadUInt32LittleEndian(source[48..]) != Crc32C.HashToUInt32(source[..48])) return false;
        var kind = (WalRecordKind)source[4];
        var flags = (WalRecordFlags)source[5];
        int length = BinaryPrimitives.ReadInt32LittleEndian(source[12..]);
        if (kind is not (WalRecordKind.Event or WalRecordKind.Base) || (flags & ~(WalRecordFlags.Quarantined | WalRecordFlags.BatchStart)) != 0 || length < 0) return false;
        header = new WalRecordHeader(kind, flags,
            BinaryPrimitives.ReadUInt32LittleEndian(source[8..]), length,
            new NodeId(BinaryPrimitives.ReadUInt64LittleEndian(source[16..])),
            BinaryPrimitives.ReadUInt64LittleEndian(source[24..]),
            new Hlc(BinaryPrimitives.ReadInt64LittleEndian(source[32..]), BinaryPrimitives.ReadUInt32LittleEndian(source[40..])),
            BinaryPrimitives.ReadUInt32LittleEndian(source[44..]));
        return true;
    }

    /// <summary>Stamps a record's batch number (and batch-start flag) into its header and re-checksums it.</summary>
    public static void StampBatch(Span<byte> record, uint batch, bool first)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(record[8..], batch);
        record[5] = (byte)(first ? record[5] | (byte)WalRecordFlags.BatchStart : record[5] & ~(byte)WalRecordFlags.BatchStart);
        BinaryPrimitives.WriteUInt32LittleEndian(record[48..], Crc32C.HashToUInt32(record[..48]));
    }

    public static bool BodyChecksumMatches(ReadOnlySpan<byte> record, int bodyLength) =>
        BinaryPrimitives.ReadUInt32LittleEndian(record[(HeaderSize + bodyLength)..]) ==
        Crc32C.HashToUInt32(record.Slice(HeaderSize, bodyLength));

    /// <summary>
    /// Encodes a whole record into <paramref name="destination"/> (which must hold <see cref="EncodedLength"/>
    /// bytes) and returns its length.
    /// </summary>
    public static int Write(Span<byte> destination, WalRecordKind kind, WalRecordFlags flags, uint batch,
        in EventEnvelope e, ReadOnlySpan<byte> body, WalCipher? cipher)
    {
        int bodyLength = body.Length + (cipher is null ? 0 : WalCipher.Overhead);
        var header = new WalRecordHeader(kind, flags, batch, bodyLength, e.Origin, e.Sequence, e.Hlc, e.EventType);
        WriteHeader(destination, header);
        var bodySpan = destination.Slice(HeaderSize, bodyLength);
        if (cipher is null)
        {
            body.CopyTo(bodySpan);
        }
        else
        {
            Span<byte> ad = stackalloc byte[AssociatedDataSize];
            WriteAssociatedData(ad, destination);
            cipher.Seal(body, ad, bodySpan);
        }
        BinaryPrimitives.WriteUInt32LittleEndian(destination[(HeaderSize + bodyLength)..], Crc32C.HashToUInt32(bodySpan));
        return Overhead + bodyLength;
    }

    public static int EncodedLength(int plainBodyLength, WalCipher? cipher) =>
        Overhead + plainBodyLength + (cipher is null ? 0 : WalCipher.Overhead);

    /// <summary>
    /// The plain body of a complete, checksummed record. With a cipher, decrypts into a new array and
    /// fails with <see cref="WalCorruptionException"/> if authentication fails.
    /// </summary>
    public static ReadOnlyMemory<byte> OpenBody(ReadOnlyMemory<byte> record, in WalRecordHeader header, WalCipher? cipher, string path, long offset)
    {
        var body = record.Slice(HeaderSize, header.BodyLength);
        if (cipher is null) return body;
        Span<byte> ad = stackalloc byte[AssociatedDataSize];
        WriteAssociatedData(ad, record.Span);
        var plain = new byte[Math.Max(0, header.BodyLength - WalCipher.Overhead)];
        if (!cipher.TryOpen(body.Span, ad, plain))
            throw new WalCorruptionException(path, offset, -1, "a record fails authentication (tampered, or moved from another identity)");
        return plain;
    }

    // Associated data: kind, the quarantine flag, then origin, sequence, HLC and event type (header bytes
    // 16..48). The batch number, the batch-start flag and the length are left out: they are assigned when the
    // batch is committed, after the body was sealed, and compaction copies sealed bodies without re-encrypting.
    private static void WriteAssociatedData(Span<byte> ad, ReadOnlySpan<byte> header)
    {
        ad[0] = header[4];
        ad[1] = (byte)(header[5] & (byte)WalRecordFlags.Quarantined);
        header[16..48].CopyTo(ad[2..]);
    }
}

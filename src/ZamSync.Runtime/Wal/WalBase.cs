using System.Buffers.Binary;

namespace ZamSync.Wal;

/// <summary>
/// Body of the base record that starts a compacted log: the per-origin floors (every sequence up to a
/// floor was dropped, and still counts as held), the highest stamp among each origin's dropped events, the
/// fold key of the last dropped event, the node's clock when it compacted, and the state snapshot at the
/// horizon. With it the log stays self-contained: no side file is needed to reopen it, and nothing that
/// compaction dropped is forgotten that the clock or the compaction rule depends on.
/// </summary>
/// <remarks>
/// Layout (version 2): <c>u8 version | floors (version vector) | u8 hasHorizon [| hlc i64 u32 | origin u64 |
/// seq u64] | hlc clock (i64 u32) | u32 n | n × (origin u64 | hlc i64 u32) high stamps | snapshot...</c>.
/// Version 1 (no clock, no high stamps) still reads: both then count as unknown (zero).
/// </remarks>
internal sealed record WalBase(VersionVector Floors, EventKey? Horizon, byte[] Snapshot)
{
    private const byte Version1 = 1, Version2 = 2;
    private const int HlcSize = 12, KeySize = 28;

    /// <summary>This node's clock reading when it compacted: its next own stamps must sort after everything it dropped.</summary>
    public Hlc Clock { get; init; }

    /// <summary>Per origin, the highest stamp among its dropped events (the origin's frontier once all are dropped).</summary>
    public IReadOnlyDictionary<NodeId, Hlc> HighStamps { get; init; } = new Dictionary<NodeId, Hlc>();

    public byte[] Encode()
    {
        int size = 1 + Floors.EncodedSize + 1 + (Horizon is null ? 0 : KeySize) + HlcSize + 4 + HighStamps.Count * (8 + HlcSize) + Snapshot.Length;
        var bytes = new byte[size];
        var span = bytes.AsSpan();
        span[0] = Version2;
        int offset = 1 + Floors.Encode(span[1..]);
        span[offset++] = Horizon is null ? (byte)0 : (byte)1;
        if (Horizon is { } h)
        {
            WriteHlc(span[offset..], h.Hlc);
            BinaryPrimitives.WriteUInt64LittleEndian(span[(offset + 12)..], h.Origin.Value);
            BinaryPrimitives.WriteUInt64LittleEndian(span[(offset + 20)..], h.Sequence);
            offset += KeySize;
        }
        WriteHlc(span[offset..], Clock);
        offset += HlcSize;
        BinaryPrimitives.WriteInt32LittleEndian(span[offset..], HighStamps.Count);
        offset += 4;
        foreach (var (origin, stamp) in HighStamps.OrderBy(p => p.Key.Value))
        {
            BinaryPrimitives.WriteUInt64LittleEndian(span[offset..], origin.Value);
            WriteHlc(span[(offset + 8)..], stamp);
            offset += 8 + HlcSize;
        }
        Snapshot.CopyTo(span[offset..]);
        return bytes;
    }

    public static WalBase? TryDecode(ReadOnlySpan<byte> body)
    {
        if (body.Length < 3 || body[0] is not (Version1 or Version2)) return null;
        byte version = body[0];
        if (!VersionVector.TryDecode(body[1..], int.MaxValue, out var floors, out int n)) return null;
        int offset = 1 + n;
        if (offset >= body.Length) return null;
        byte hasHorizon = body[offset++];
        EventKey? horizon = null;
        if (hasHorizon == 1)
        {
            if (body.Length - offset < KeySize) return null;
            horizon = new EventKey(ReadHlc(body[offset..]),
                new NodeId(BinaryPrimitives.ReadUInt64LittleEndian(body[(offset + 12)..])),
                BinaryPrimitives.ReadUInt64LittleEndian(body[(offset + 20)..]));
            offset += KeySize;
        }
        else if (hasHorizon != 0) return null;
        if (version == Version1) return new WalBase(floors, horizon, body[offset..].ToArray());

        if (body.Length - offset < HlcSize + 4) return null;
        var clock = ReadHlc(body[offset..]);
        offset += HlcSize;
        int count = BinaryPrimitives.ReadInt32LittleEndian(body[offset..]);
        offset += 4;
        if (count < 0 || (long)count * (8 + HlcSize) > body.Length - offset) return null;
        var stamps = new Dictionary<NodeId, Hlc>(count);
        for (int i = 0; i < count; i++, offset += 8 + HlcSize)
            stamps[new NodeId(BinaryPrimitives.ReadUInt64LittleEndian(body[offset..]))] = ReadHlc(body[(offset + 8)..]);
        return new WalBase(floors, horizon, body[offset..].ToArray()) { Clock = clock, HighStamps = stamps };
    }

    private static void WriteHlc(Span<byte> span, Hlc hlc)
    {
        BinaryPrimitives.WriteInt64LittleEndian(span, hlc.Physical);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], hlc.Logical);
    }

    private static Hlc ReadHlc(ReadOnlySpan<byte> span) =>
        new(BinaryPrimitives.ReadInt64LittleEndian(span), BinaryPrimitives.ReadUInt32LittleEndian(span[8..]));
}

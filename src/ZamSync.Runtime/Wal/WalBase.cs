using System.Buffers.Binary;

namespace ZamSync.Wal;

/// <summary>
/// Body of the base record that starts a compacted log: the per-origin floors (every sequence up to a
/// floor was dropped, and still counts as held), the fold key of the last dropped event, and the state
/// snapshot at that point. With it the log stays self-contained: no side file is needed to reopen it.
/// </summary>
internal sealed record WalBase(VersionVector Floors, EventKey? Horizon, byte[] Snapshot)
{
    private const byte Version = 1;

    public byte[] Encode()
    {
        int size = 1 + Floors.EncodedSize + 1 + (Horizon is null ? 0 : 28) + Snapshot.Length;
        var bytes = new byte[size];
        var span = bytes.AsSpan();
        span[0] = Version;
        int offset = 1 + Floors.Encode(span[1..]);
        span[offset++] = Horizon is null ? (byte)0 : (byte)1;
        if (Horizon is { } h)
        {
            BinaryPrimitives.WriteInt64LittleEndian(span[offset..], h.Hlc.Physical);
            BinaryPrimitives.WriteUInt32LittleEndian(span[(offset + 8)..], h.Hlc.Logical);
            BinaryPrimitives.WriteUInt64LittleEndian(span[(offset + 12)..], h.Origin.Value);
            BinaryPrimitives.WriteUInt64LittleEndian(span[(offset + 20)..], h.Sequence);
            offset += 28;
        }
        Snapshot.CopyTo(span[offset..]);
        return bytes;
    }

    public static WalBase? TryDecode(ReadOnlySpan<byte> body)
    {
        if (body.Length < 3 || body[0] != Version) return null;
        if (!VersionVector.TryDecode(body[1..], int.MaxValue, out var floors, out int n)) return null;
        int offset = 1 + n;
        if (offset >= body.Length) return null;
        byte hasHorizon = body[offset++];
        EventKey? horizon = null;
        if (hasHorizon == 1)
        {
            if (body.Length - offset < 28) return null;
            horizon = new EventKey(
                new Hlc(BinaryPrimitives.ReadInt64LittleEndian(body[offset..]), BinaryPrimitives.ReadUInt32LittleEndian(body[(offset + 8)..])),
                new NodeId(BinaryPrimitives.ReadUInt64LittleEndian(body[(offset + 12)..])),
                BinaryPrimitives.ReadUInt64LittleEndian(body[(offset + 20)..]));
            offset += 28;
        }
        else if (hasHorizon != 0) return null;
        return new WalBase(floors, horizon, body[offset..].ToArray());
    }
}

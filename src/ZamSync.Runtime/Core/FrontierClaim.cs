namespace ZamSync;

/// <summary>
/// A promise about an origin's events still to come: every event of <see cref="Origin"/> after
/// <see cref="Sequence"/> carries a stamp above <see cref="Stamp"/>. An origin makes it about itself in its
/// handshakes (its clock, persisted before it is sent); peers relay it. Compaction relies on it to know that no
/// event still to come sorts before what it drops (docs/engine.md, "Frontiers").
/// </summary>
internal readonly record struct FrontierClaim(NodeId Origin, ulong Sequence, Hlc Stamp)
{
    /// <summary>The most claims one handshake may carry (as many as a version vector has origins).</summary>
    public const int MaxCount = 1 << 16;

    public static byte[] Encode(IReadOnlyCollection<FrontierClaim> claims)
    {
        var buffer = new byte[Varint.MaxLength * (1 + 4 * claims.Count)];
        int at = Varint.Write(buffer, (ulong)claims.Count);
        foreach (var c in claims)
        {
            at += Varint.Write(buffer.AsSpan(at), c.Origin.Value);
            at += Varint.Write(buffer.AsSpan(at), c.Sequence);
            at += Varint.Write(buffer.AsSpan(at), (ulong)Math.Max(0, c.Stamp.Physical));
            at += Varint.Write(buffer.AsSpan(at), c.Stamp.Logical);
        }
        return buffer.AsSpan(0, at).ToArray();
    }

    /// <summary>Decodes strictly; null when the bytes are malformed (truncated, trailing, out of range, an empty origin).</summary>
    public static List<FrontierClaim>? TryDecode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return [];
        if (!Varint.TryRead(bytes, out ulong count, out int n) || count > MaxCount) return null;
        bytes = bytes[n..];
        var claims = new List<FrontierClaim>((int)Math.Min(count, 256));
        for (ulong i = 0; i < count; i++)
        {
            if (!Next(ref bytes, out ulong origin) || origin == 0 || !Next(ref bytes, out ulong seq) ||
                !Next(ref bytes, out ulong physical) || physical > long.MaxValue || !Next(ref bytes, out ulong logical) || logical > uint.MaxValue)
                return null;
            claims.Add(new FrontierClaim(new NodeId(origin), seq, new Hlc((long)physical, (uint)logical)));
        }
        return bytes.IsEmpty ? claims : null;
    }

    private static bool Next(ref ReadOnlySpan<byte> bytes, out ulong value)
    {
        if (!Varint.TryRead(bytes, out value, out int n)) return false;
        bytes = bytes[n..];
        return true;
    }
}

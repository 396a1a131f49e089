namespace ZamSync.PostgreSql;

/// <summary>
/// How the unsigned 64-bit values (node ids, sequences) live in PostgreSQL, which has no unsigned type: as a
/// <c>bigint</c> with the top bit flipped. The mapping is a bijection, so no value is lost, and it keeps order
/// (<c>a &lt; b</c> as <c>ulong</c> exactly when the stored values compare so as <c>bigint</c>), so primary keys, range
/// scans (<c>seq &gt; n</c>), <c>ORDER BY</c> and <c>GREATEST</c> mean in SQL what they mean in C#. A plain
/// reinterpretation would sort ids with the top bit set (half of all random ids) before the others and break the fold
/// order. The schema's <c>u64(bigint)</c> function shows a stored value as the number people know (docs/postgresql.md).
/// </summary>
internal static class SqlUInt64
{
    private const ulong TopBit = 0x8000_0000_0000_0000UL;

    public static long ToSql(ulong value) => unchecked((long)(value ^ TopBit));

    public static ulong FromSql(long value) => unchecked((ulong)value ^ TopBit);

    public static long ToSql(NodeId node) => ToSql(node.Value);

    public static NodeId NodeFromSql(long value) => new(FromSql(value));
}

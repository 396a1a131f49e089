namespace ZamSync.PostgreSql;

/// <summary>
/// What a <see cref="FoldView"/> of the PostgreSQL store holds: per origin, the events above the floor up to the
/// published sequence at capture. Events committed later (by any process) are outside it, so the view's fold order
/// stays the same while the table grows.
/// </summary>
internal sealed class FoldSnapshot(Dictionary<NodeId, (ulong Floor, ulong Held)> origins)
{
    public bool Contains(NodeId origin, ulong sequence) =>
        origins.TryGetValue(origin, out var range) && sequence > range.Floor && sequence <= range.Held;

    public long Count => origins.Values.Sum(r => (long)(r.Held - r.Floor));
}

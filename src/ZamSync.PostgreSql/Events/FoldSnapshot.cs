using static ZamSync.PostgreSql.SqlUInt64;

namespace ZamSync.PostgreSql;

/// <summary>
/// What a <see cref="FoldView"/> of the PostgreSQL store holds: per origin, the events above the floor up to the
/// published sequence at capture. Events committed later (by any process) are outside it, so the view's fold order
/// stays the same while the table grows. The ranges go to the database as arrays, so the filter runs in the query.
/// </summary>
internal sealed class FoldSnapshot
{
    private readonly Dictionary<NodeId, (ulong Floor, ulong Held)> _origins;
    // Positions whose preceding key is known: exactly N events of this view sort at or before the key. A read from
    // position N resumes after the key with an index range scan instead of counting N rows again. Guarded by itself.
    private readonly Dictionary<long, EventKey> _resume = new();

    public FoldSnapshot(Dictionary<NodeId, (ulong Floor, ulong Held)> origins, long compactions)
    {
        _origins = origins;
        Compactions = compactions;
        int n = origins.Count, i = 0;
        Origins = new long[n];
        FloorsSql = new long[n];
        HeldSql = new long[n];
        foreach (var (origin, (floor, held)) in origins)
        {
            Origins[i] = ToSql(origin);
            FloorsSql[i] = ToSql(floor);
            HeldSql[i] = ToSql(held);
            i++;
        }
        Count = origins.Values.Sum(r => (long)(r.Held - r.Floor));
    }

    public long Count { get; }

    /// <summary>The store's compaction count at capture: once it moved, rows of the view may be gone.</summary>
    public long Compactions { get; }

    /// <summary>The view's ranges, per origin.</summary>
    public IReadOnlyDictionary<NodeId, (ulong Floor, ulong Held)> Ranges => _origins;

    public long[] Origins { get; }

    public long[] FloorsSql { get; }

    public long[] HeldSql { get; }

    public bool Contains(NodeId origin, ulong sequence) =>
        _origins.TryGetValue(origin, out var range) && sequence > range.Floor && sequence <= range.Held;

    /// <summary>Notes that exactly <paramref name="count"/> events of the view sort at or before <paramref name="key"/>.</summary>
    public void NoteCount(long count, EventKey key)
    {
        lock (_resume)
        {
            if (_resume.Count > 64) _resume.Clear(); // only the latest few matter (the engine reads on from where it counted)
            _resume[count] = key;
        }
    }

    /// <summary>The key after which position <paramref name="position"/> starts, when known.</summary>
    public bool TryResume(long position, out EventKey key)
    {
        lock (_resume) return _resume.TryGetValue(position, out key);
    }
}

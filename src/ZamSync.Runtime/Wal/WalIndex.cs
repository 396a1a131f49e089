namespace ZamSync.Wal;

/// <summary>Where a record sits in the file.</summary>
internal readonly record struct RecordRef(long Offset, int Length);

/// <summary>An event's place in the fold order and in the file.</summary>
internal readonly record struct FoldEntry(EventKey Key, RecordRef Record);

/// <summary>
/// In-memory index of a log: per origin, sequence → record (so finding what a peer lacks costs what it
/// lacks), and every event in fold order (so re-folds and compaction never sort the whole log again).
/// Not thread-safe: the store guards it.
/// </summary>
internal sealed class WalIndex
{
    private readonly Dictionary<NodeId, OriginLog> _origins = new();
    private List<FoldEntry> _fold = new();

    private sealed class OriginLog(ulong floor, Hlc high)
    {
        /// <summary>Every sequence up to here was compacted away.</summary>
        public ulong Floor = floor;
        /// <summary>The highest stamp among the origin's held events, compacted ones included.</summary>
        public Hlc High = high;
        public readonly List<RecordRef> Records = new();
        public ulong Last => Floor + (ulong)Records.Count;
    }

    public int Count => _fold.Count;

    public IReadOnlyList<FoldEntry> FoldOrder => _fold;

    public ulong Last(NodeId origin) => _origins.TryGetValue(origin, out var log) ? log.Last : 0;

    public ulong Floor(NodeId origin) => _origins.TryGetValue(origin, out var log) ? log.Floor : 0;

    /// <summary>The highest stamp among <paramref name="origin"/>'s held events, compacted ones included; zero when none.</summary>
    public Hlc HighStamp(NodeId origin) => _origins.TryGetValue(origin, out var log) ? log.High : default;

    /// <summary>Every origin held (or compacted) with its highest stamp.</summary>
    public Dictionary<NodeId, Hlc> HighStamps() => _origins.ToDictionary(p => p.Key, p => p.Value.High);

    public VersionVector Known()
    {
        var vv = new VersionVector();
        foreach (var (origin, log) in _origins) vv.Advance(origin, log.Last);
        return vv;
    }

    /// <summary>Sets what compaction dropped; only on an empty index (the base record comes first).</summary>
    public void SetFloors(VersionVector floors, IReadOnlyDictionary<NodeId, Hlc> highStamps)
    {
        foreach (var (origin, seq) in floors) _origins[origin] = new OriginLog(seq, highStamps.GetValueOrDefault(origin));
    }

    /// <summary>Adds one event in file order. False when it does not continue its origin's sequence.</summary>
    public bool TryAdd(EventKey key, RecordRef record)
    {
        if (!_origins.TryGetValue(key.Origin, out var log)) _origins[key.Origin] = log = new OriginLog(0, default);
        if (key.Sequence != log.Last + 1) return false;
        log.Records.Add(record);
        if (key.Hlc > log.High) log.High = key.Hlc;
        InsertFold(new FoldEntry(key, record));
        return true;
    }

    /// <summary>Records for sequences [from, from+max) of an origin that are held.</summary>
    public int CopyRange(NodeId origin, ulong from, int max, List<RecordRef> into)
    {
        if (!_origins.TryGetValue(origin, out var log)) return 0;
        if (from <= log.Floor) throw new EventsCompactedException(origin, from, log.Floor);
        int start = (int)(from - log.Floor - 1);
        int count = Math.Min(max, log.Records.Count - start);
        if (count <= 0) return 0;
        into.AddRange(log.Records.GetRange(start, count));
        return count;
    }

    // Events mostly arrive in fold order (own events tick forward; replicated ones are usually newer), so
    // the common case is an append. Late events wait in a side list and are merged once per batch: one
    // O(n) merge instead of an O(n) insert per event.
    private readonly List<FoldEntry> _late = new();

    private void InsertFold(FoldEntry entry)
    {
        if (_fold.Count == 0 || _fold[^1].Key < entry.Key) _fold.Add(entry);
        else _late.Add(entry);
    }

    /// <summary>Merges late events into the fold order; call after each batch of <see cref="TryAdd"/>.</summary>
    public void CompleteBatch()
    {
        if (_late.Count == 0) return;
        _late.Sort(static (a, b) => a.Key.CompareTo(b.Key));
        var merged = new List<FoldEntry>(_fold.Count + _late.Count);
        int i = 0, j = 0;
        while (i < _fold.Count && j < _late.Count)
            merged.Add(_fold[i].Key < _late[j].Key ? _fold[i++] : _late[j++]);
        while (i < _fold.Count) merged.Add(_fold[i++]);
        while (j < _late.Count) merged.Add(_late[j++]);
        _fold = merged;
        _late.Clear();
    }
}

using System.Collections.Concurrent;
using ZamSync.Wal.Index;

namespace ZamSync.Wal;

/// <summary>Where a record sits in the file.</summary>
internal readonly record struct RecordRef(long Offset, int Length);

/// <summary>An event's place in the fold order and in the file.</summary>
internal readonly record struct FoldEntry(EventKey Key, RecordRef Record);

/// <summary>
/// In-memory index of a log: per origin, sequence → record (so finding what a peer lacks costs what it
/// lacks), and every event in fold order (so re-folds and compaction never sort the whole log again).
/// </summary>
/// <remarks>
/// <para>Columns, not objects: an event is its <em>position</em> p, its place among the log's event records in file
/// order, and each column holds one fact per position in fixed-size chunks (<see cref="IndexColumn{T}"/>): where the
/// record ends (4 bytes; it starts where the previous one ends), its origin as a 2-byte id into a table of origins, its
/// stamp packed into 8 bytes (<see cref="StampPacking"/>). Per origin, the positions of its events in sequence order (4
/// bytes), and the fold order as positions (4 bytes): 22 bytes per event, no per-event object. A sequence is never
/// stored: it is the event's rank among its origin's positions, past the origin's floor.</para>
/// <para>Writes happen under the store's lock; reads of a captured <see cref="WalFoldOrder"/> happen without one
/// (every column is append-only, and a merge of late events builds a new fold column rather than editing the one a
/// capture holds).</para>
/// </remarks>
internal sealed class WalIndex
{
    /// <summary>Origin ids at or past this are kept beside the column (a log with more than 65,534 origins).</summary>
    private const ushort WideOrigin = ushort.MaxValue;

    private readonly OffsetColumn _ends = new();
    private readonly IndexColumn<ushort> _originIds = new();
    private readonly ConcurrentDictionary<int, int> _wideOriginIds = new();
    private readonly IndexColumn<ulong> _stamps = new();
    private readonly ConcurrentDictionary<int, Hlc> _wideStamps = new();
    private readonly Dictionary<NodeId, int> _originIndex = new();
    private OriginLog[] _origins = [];
    private int _originCount;
    private IndexColumn<int> _fold = new();
    private EventKey _lastFoldKey;
    private long _firstStart = -1;
    // Events mostly arrive in fold order (own events tick forward; replicated ones are usually newer), so
    // the common case is an append. Late events wait here and are merged once per batch.
    private readonly List<int> _late = new();

    internal sealed class OriginLog(NodeId id, ulong floor, Hlc high)
    {
        public readonly NodeId Id = id;
        /// <summary>Every sequence up to here was compacted away.</summary>
        public ulong Floor = floor;
        /// <summary>The highest stamp among the origin's held events, compacted ones included.</summary>
        public Hlc High = high;
        /// <summary>The positions of its held events, in sequence order (so ascending).</summary>
        public readonly IndexColumn<int> Positions = new();
        public ulong Last => Floor + (ulong)Positions.Count;
    }

    /// <summary>Events held (compacted ones not counted).</summary>
    public int Count => _ends.Count;

    /// <summary>Where the first event record starts (after the header and a base record), or -1 when none is held.</summary>
    public long FirstStart => _firstStart;

    /// <summary>The fold order as it stands: its first <see cref="WalFoldOrder.Count"/> entries never change.</summary>
    public WalFoldOrder FoldOrder => new(this, _fold, _fold.Count);

    internal int OriginCount => Volatile.Read(ref _originCount);

    internal OriginLog OriginAt(int id) => Volatile.Read(ref _origins)[id];

    public ulong Last(NodeId origin) => Find(origin)?.Last ?? 0;

    public ulong Floor(NodeId origin) => Find(origin)?.Floor ?? 0;

    /// <summary>The highest stamp among <paramref name="origin"/>'s held events, compacted ones included; zero when none.</summary>
    public Hlc HighStamp(NodeId origin) => Find(origin)?.High ?? default;

    /// <summary>Every origin held (or compacted) with its highest stamp.</summary>
    public Dictionary<NodeId, Hlc> HighStamps()
    {
        var stamps = new Dictionary<NodeId, Hlc>(_originCount);
        for (int i = 0; i < _originCount; i++) stamps[_origins[i].Id] = _origins[i].High;
        return stamps;
    }

    public VersionVector Known()
    {
        var vv = new VersionVector();
        for (int i = 0; i < _originCount; i++) vv.Advance(_origins[i].Id, _origins[i].Last);
        return vv;
    }

    private OriginLog? Find(NodeId origin) => _originIndex.TryGetValue(origin, out int id) ? _origins[id] : null;

    private OriginLog GetOrAdd(NodeId origin, out int id)
    {
        if (_originIndex.TryGetValue(origin, out id)) return _origins[id];
        id = _originCount;
        var log = new OriginLog(origin, 0, default);
        var origins = _origins;
        if (id == origins.Length)
        {
            var bigger = new OriginLog[Math.Max(4, origins.Length * 2)];
            origins.CopyTo(bigger, 0);
            origins = bigger;
        }
        origins[id] = log;
        Volatile.Write(ref _origins, origins);
        _originIndex[origin] = id;
        Volatile.Write(ref _originCount, id + 1);
        return log;
    }

    /// <summary>Sets what compaction dropped; only on an empty index (the base record comes first).</summary>
    public void SetFloors(VersionVector floors, IReadOnlyDictionary<NodeId, Hlc> highStamps)
    {
        foreach (var (origin, seq) in floors)
        {
            var log = GetOrAdd(origin, out _);
            log.Floor = seq;
            log.High = highStamps.GetValueOrDefault(origin);
        }
    }

    /// <summary>Adds an origin of a persisted index, before <see cref="LoadColumns"/>: its floor and highest stamp.</summary>
    internal void SetOrigin(NodeId origin, ulong floor, Hlc high)
    {
        var log = GetOrAdd(origin, out _);
        log.Floor = floor;
        log.High = high;
    }

    /// <summary>Adds one event in file order. False when it does not continue its origin's sequence.</summary>
    public bool TryAdd(EventKey key, RecordRef record)
    {
        var log = GetOrAdd(key.Origin, out int id);
        if (key.Sequence != log.Last + 1) return false;
        int position = _ends.Count;
        long start = position == 0 ? record.Offset : _ends.End(position - 1);
        if (record.Offset != start)
            throw new InvalidOperationException($"Record at {record.Offset} does not follow the previous one, which ends at {start}.");
        if (position == 0) _firstStart = start;
        AddColumns(position, record.Offset, record.Length, id, key.Hlc);
        log.Positions.Add(position);
        if (key.Hlc > log.High) log.High = key.Hlc;
        if (_fold.Count == 0 || _lastFoldKey < key)
        {
            _fold.Add(position);
            _lastFoldKey = key;
        }
        else
        {
            _late.Add(position);
        }
        return true;
    }

    private void AddColumns(int position, long start, int length, int originId, Hlc hlc)
    {
        _ends.Add(start, start + length);
        if (originId < WideOrigin)
        {
            _originIds.Add((ushort)originId);
        }
        else
        {
            _wideOriginIds[position] = originId;
            _originIds.Add(WideOrigin);
        }
        if (!StampPacking.TryPack(hlc, out ulong packed)) _wideStamps[position] = hlc;
        _stamps.Add(packed);
    }

    // ---- persisted form (WalIndexFile) -----------------------------------------------------------------

    internal IndexColumn<ushort> OriginIds => _originIds;
    internal IndexColumn<ulong> Stamps => _stamps;
    internal IndexColumn<int> Fold => _fold;
    internal IEnumerable<KeyValuePair<int, Hlc>> WideStamps => _wideStamps;
    internal IEnumerable<KeyValuePair<int, int>> WideOriginIds => _wideOriginIds;
    internal bool HasLateEvents => _late.Count > 0;

    /// <summary>
    /// Fills an index that holds only its origins (<see cref="SetOrigin"/>, in id order) from a persisted index's
    /// columns. The caller checked them: this only copies.
    /// </summary>
    internal void LoadColumns(long firstStart, ReadOnlySpan<uint> lengths, ReadOnlySpan<ushort> originIds, ReadOnlySpan<ulong> stamps,
        ReadOnlySpan<int> fold, ReadOnlySpan<int> held, ReadOnlySpan<int> positions, IEnumerable<KeyValuePair<int, Hlc>> wideStamps, IEnumerable<KeyValuePair<int, int>> wideOriginIds)
    {
        if (lengths.Length > 0) _firstStart = firstStart;
        _ends.AddLengths(firstStart, lengths);
        _originIds.AddRange(originIds);
        _stamps.AddRange(stamps);
        foreach (var (position, stamp) in wideStamps) _wideStamps[position] = stamp;
        foreach (var (position, id) in wideOriginIds) _wideOriginIds[position] = id;
        // Per origin (in id order), its positions follow one another in the persisted column.
        for (int id = 0; id < _originCount; id++)
        {
            _origins[id].Positions.AddRange(positions[..held[id]]);
            positions = positions[held[id]..];
        }
        _fold.AddRange(fold);
        if (_fold.Count > 0) _lastFoldKey = KeyAt(_fold[_fold.Count - 1]);
    }

    // ---- per-position facts -----------------------------------------------------------------------------

    internal int OriginIdAt(int position)
    {
        ushort id = _originIds[position];
        return id == WideOrigin ? _wideOriginIds[position] : id;
    }

    internal Hlc StampAt(int position)
    {
        ulong packed = _stamps[position];
        return packed == StampPacking.Escape ? _wideStamps[position] : StampPacking.Unpack(packed);
    }

    /// <summary>How many held events have records that start before <paramref name="length"/> bytes of the file.</summary>
    internal int PositionsStartingBefore(long length)
    {
        int lo = 0, hi = _ends.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (RecordAt(mid).Offset < length) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    internal RecordRef RecordAt(int position)
    {
        long start = position == 0 ? _firstStart : _ends.End(position - 1);
        return new RecordRef(start, (int)(_ends.End(position) - start));
    }

    internal EventKey KeyAt(int position)
    {
        var log = OriginAt(OriginIdAt(position));
        var positions = log.Positions;
        int lo = 0, hi = positions.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (positions[mid] < position) lo = mid + 1; else hi = mid;
        }
        return new EventKey(StampAt(position), log.Id, log.Floor + 1 + (ulong)lo);
    }

    /// <summary>Records for sequences [from, from+max) of an origin that are held.</summary>
    public int CopyRange(NodeId origin, ulong from, int max, List<RecordRef> into)
    {
        if (Find(origin) is not { } log) return 0;
        if (from <= log.Floor) throw new EventsCompactedException(origin, from, log.Floor);
        var positions = log.Positions;
        long start = (long)(from - log.Floor - 1);
        if (start >= positions.Count) return 0;
        int count = (int)Math.Min(max, positions.Count - start);
        for (int i = 0; i < count; i++) into.Add(RecordAt(positions[(int)start + i]));
        return count;
    }

    /// <summary>Merges late events into the fold order; call after each batch of <see cref="TryAdd"/>.</summary>
    /// <remarks>
    /// The merge builds a new fold column (a capture may be reading the old one) but shares every full chunk that
    /// lies wholly before the first late event: a late event near the end costs a chunk, not the whole order.
    /// </remarks>
    public void CompleteBatch()
    {
        if (_late.Count == 0) return;
        var late = new (EventKey Key, int Position)[_late.Count];
        for (int i = 0; i < late.Length; i++) late[i] = (KeyAt(_late[i]), _late[i]);
        Array.Sort(late, static (a, b) => a.Key.CompareTo(b.Key));
        var old = _fold;
        int count = old.Count;
        int lo = 0, hi = count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (KeyAt(old[mid]) < late[0].Key) lo = mid + 1; else hi = mid;
        }
        int shared = lo >> IndexColumn<int>.ChunkShift;
        var merged = new IndexColumn<int>(old, shared);
        int i2 = shared << IndexColumn<int>.ChunkShift, j = 0;
        var nextKey = i2 < count ? KeyAt(old[i2]) : default;
        while (i2 < count && j < late.Length)
        {
            if (nextKey < late[j].Key)
            {
                merged.Add(old[i2++]);
                if (i2 < count) nextKey = KeyAt(old[i2]);
            }
            else merged.Add(late[j++].Position);
        }
        while (i2 < count) merged.Add(old[i2++]);
        while (j < late.Length) merged.Add(late[j++].Position);
        if (_lastFoldKey < late[^1].Key) _lastFoldKey = late[^1].Key;
        _fold = merged;
        _late.Clear();
    }

    /// <summary>
    /// The bytes the index holds: every column's allocated chunks and, per origin, its entry (an estimate of the
    /// objects' headers and fields, counted so that many small origins are not free).
    /// </summary>
    public long AllocatedBytes
    {
        get
        {
            const long perOrigin = 160; // OriginLog, its column and dictionary entry: headers and fields
            long bytes = _ends.AllocatedBytes + _originIds.AllocatedBytes + _stamps.AllocatedBytes + _fold.AllocatedBytes
                + (_wideOriginIds.Count + _wideStamps.Count) * 48L + (long)_origins.Length * IntPtr.Size;
            for (int i = 0; i < _originCount; i++) bytes += _origins[i].Positions.AllocatedBytes + perOrigin;
            return bytes;
        }
    }
}

using System.Diagnostics;

namespace ZamSync.Sync.Wire;

/// <summary>
/// The integer columns of an event batch, packed into the one byte array <see cref="EventBatchWire.Columns"/>
/// (docs/wire-format.md, "Event columns"). Every number is an unsigned LEB128 varint; the columns follow each other:
/// <code>
/// count n · origin count d · d origins (first appearance order) · n origin indices (only when d > 1)
///   · n sequences (zig-zag delta from the previous event of the same origin, 0 before its first)
///   · n HLC physicals (zig-zag delta from the previous event's, 0 before the first)
///   · n HLC logicals · n event types · n payload lengths
/// </code>
/// Deltas wrap around (mod 2⁶⁴), so any value round-trips, backwards steps included.
/// </summary>
/// <remarks>
/// As a builder, it adds events one at a time and knows the exact encoded size before and after each, so the session
/// budgets a batch at its real size; <see cref="ToArray"/> writes exactly the values it counted.
/// <see cref="Read"/> is the hostile-input decoder: each varint at most 10 bytes and within 64 bits, the count checked
/// against the bytes present before anything is allocated, every index, length and total checked.
/// </remarks>
internal sealed class EventColumns
{
    /// <summary>The fewest bytes one event takes in the columns: one for each of the five value columns.</summary>
    private const int MinBytesPerEvent = 5;

    // One event's values as written (deltas already taken), so the sizes and the bytes cannot disagree. Read uses it
    // for the decoded values (sequence and physical undone) while the columns are read one after the other.
    private struct Row
    {
        public int Origin;
        public ulong Sequence;
        public ulong Physical;
        public uint Logical;
        public uint Type;
        public int Length;
    }

    private readonly Dictionary<NodeId, int> _index = new();
    private readonly List<NodeId> _origins = new();
    private ulong[] _lastSequence = new ulong[4]; // per origin of the dictionary
    private NodeId _lastOrigin;
    private int _lastIndex = -1; // the dictionary index of _lastOrigin: runs of one origin skip the lookup
    private Row[] _rows = new Row[16];
    private int _count;
    private long _lastPhysical;
    private int _originBytes, _indexBytes, _valueBytes;
    private long _payloadBytes;

    public int Count => _count;

    /// <summary>The payload bytes of the events added so far.</summary>
    public long PayloadBytes => _payloadBytes;

    /// <summary>The exact size of the columns of the events added so far.</summary>
    public int Size => Measure(_count, _origins.Count, _originBytes, _indexBytes, _valueBytes);

    /// <summary>What <see cref="Size"/> would be after adding <paramref name="e"/> (nothing is added).</summary>
    public int SizeWith(in EventEnvelope e)
    {
        bool known = TryFind(e.Origin, out int index);
        if (!known) index = _origins.Count;
        var row = RowOf(e, index, known ? _lastSequence[index] : 0);
        return Measure(_count + 1, _origins.Count + (known ? 0 : 1), _originBytes + (known ? 0 : Varint.SizeOf(e.Origin.Value)),
            _indexBytes + Varint.SizeOf((ulong)index), _valueBytes + ValueBytes(row));
    }

    public void Add(in EventEnvelope e)
    {
        if (!TryFind(e.Origin, out int index))
        {
            index = _origins.Count;
            _index.Add(e.Origin, index);
            _origins.Add(e.Origin);
            if (index == _lastSequence.Length) Array.Resize(ref _lastSequence, index * 2);
            _lastSequence[index] = 0;
            _originBytes += Varint.SizeOf(e.Origin.Value);
        }
        (_lastOrigin, _lastIndex) = (e.Origin, index);
        var row = RowOf(e, index, _lastSequence[index]);
        _lastSequence[index] = e.Sequence;
        _lastPhysical = e.Hlc.Physical;
        if (_count == _rows.Length) Array.Resize(ref _rows, _count * 2);
        _rows[_count++] = row;
        _indexBytes += Varint.SizeOf((ulong)index);
        _valueBytes += ValueBytes(row);
        _payloadBytes += e.Payload.Length;
    }

    public void Clear()
    {
        _index.Clear();
        _lastIndex = -1;
        _origins.Clear();
        _count = 0;
        _lastPhysical = 0;
        _originBytes = _indexBytes = _valueBytes = 0;
        _payloadBytes = 0;
    }

    /// <summary>The columns of the events added so far.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        var span = bytes.AsSpan();
        int at = Varint.Write(span, (ulong)_count);
        at += Varint.Write(span[at..], (ulong)_origins.Count);
        foreach (var origin in _origins) at += Varint.Write(span[at..], origin.Value);
        var rows = _rows.AsSpan(0, _count);
        if (_origins.Count > 1)
            foreach (ref readonly var row in rows) at += Varint.Write(span[at..], (ulong)row.Origin);
        foreach (ref readonly var row in rows) at += Varint.Write(span[at..], row.Sequence);
        foreach (ref readonly var row in rows) at += Varint.Write(span[at..], row.Physical);
        foreach (ref readonly var row in rows) at += Varint.Write(span[at..], row.Logical);
        foreach (ref readonly var row in rows) at += Varint.Write(span[at..], row.Type);
        foreach (ref readonly var row in rows) at += Varint.Write(span[at..], (ulong)row.Length);
        Debug.Assert(at == bytes.Length);
        return bytes;
    }

    private bool TryFind(NodeId origin, out int index)
    {
        if (_lastIndex >= 0 && origin == _lastOrigin)
        {
            index = _lastIndex;
            return true;
        }
        return _index.TryGetValue(origin, out index);
    }

    private Row RowOf(in EventEnvelope e, int index, ulong previousSequence) => new()
    {
        Origin = index,
        Sequence = ZigZag(unchecked((long)(e.Sequence - previousSequence))),
        Physical = ZigZag(unchecked(e.Hlc.Physical - _lastPhysical)),
        Logical = e.Hlc.Logical,
        Type = e.EventType,
        Length = e.Payload.Length,
    };

    private static int ValueBytes(in Row row) =>
        Varint.SizeOf(row.Sequence) + Varint.SizeOf(row.Physical) + Varint.SizeOf(row.Logical) + Varint.SizeOf(row.Type) + Varint.SizeOf((ulong)row.Length);

    // The index column is left out when every event has the one origin of the dictionary.
    private static int Measure(int count, int origins, int originBytes, int indexBytes, int valueBytes) =>
        Varint.SizeOf((ulong)count) + Varint.SizeOf((ulong)origins) + originBytes + (origins > 1 ? indexBytes : 0) + valueBytes;

    /// <summary>Maps small magnitudes of either sign to small unsigned numbers: 0, −1, 1, −2... become 0, 1, 2, 3...</summary>
    internal static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    internal static long UnZigZag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);

    // ---- decoding ------------------------------------------------------------------------------------------------

    /// <summary>
    /// Decodes the columns of a batch whose payloads are <paramref name="payloads"/> (each event's payload is a slice
    /// of it). Throws <see cref="SyncProtocolException"/> on anything malformed.
    /// </summary>
    public static EventEnvelope[] Read(ReadOnlySpan<byte> columns, byte[] payloads, int maxEvents)
    {
        var reader = new Reader(columns);
        ulong declared = reader.Next("event count");
        if (declared > (ulong)maxEvents) throw Malformed($"a batch of {declared} events (at most {maxEvents})");
        int count = (int)declared;
        // Before allocating anything for the events: the bytes must be able to hold them.
        if ((long)count * MinBytesPerEvent > reader.Remaining)
            throw Malformed($"a batch claiming {count} events in {columns.Length} bytes of columns");
        ulong originCount = reader.Next("origin count");
        if (count == 0 ? originCount != 0 : originCount == 0 || originCount > (ulong)count)
            throw Malformed($"a batch of {count} events from {originCount} origins");
        int d = (int)originCount;
        var origins = new NodeId[d];
        var distinct = d > 1 ? new HashSet<NodeId>(d) : null;
        for (int i = 0; i < d; i++)
        {
            origins[i] = new NodeId(reader.Next("origins"));
            if (distinct is not null && !distinct.Add(origins[i])) throw Malformed($"a batch naming origin {origins[i]} twice");
        }

        var rows = new Row[count];
        if (d > 1)
        {
            // Indices in first-appearance order: each is one already seen or the next new one, and all are used.
            int seen = 0;
            for (int i = 0; i < count; i++)
            {
                ulong index = reader.Next("origin index");
                if (index > (ulong)seen || index >= (ulong)d) throw Malformed($"a batch with origin index {index} where at most {Math.Min(seen, d - 1)} may come");
                if (index == (ulong)seen) seen++;
                rows[i].Origin = (int)index;
            }
            if (seen != d) throw Malformed($"a batch whose events use {seen} of its {d} origins");
        }

        var lastSequence = new ulong[d];
        for (int i = 0; i < count; i++)
        {
            ref ulong last = ref lastSequence[rows[i].Origin];
            last = unchecked(last + (ulong)UnZigZag(reader.Next("sequence")));
            rows[i].Sequence = last;
        }
        long physical = 0;
        for (int i = 0; i < count; i++)
        {
            physical = unchecked(physical + UnZigZag(reader.Next("HLC physical")));
            rows[i].Physical = unchecked((ulong)physical);
        }
        for (int i = 0; i < count; i++) rows[i].Logical = reader.NextUInt32("HLC logical");
        for (int i = 0; i < count; i++) rows[i].Type = reader.NextUInt32("event type");

        var events = new EventEnvelope[count];
        long offset = 0;
        for (int i = 0; i < count; i++)
        {
            ulong length = reader.Next("payload length");
            if (length > (ulong)(payloads.Length - offset)) throw Malformed($"payload lengths beyond the {payloads.Length} payload bytes");
            ref readonly var row = ref rows[i];
            events[i] = new EventEnvelope(origins[row.Origin], row.Sequence, new Hlc(unchecked((long)row.Physical), row.Logical), row.Type,
                new ReadOnlyMemory<byte>(payloads, (int)offset, (int)length));
            offset += (long)length;
        }
        if (reader.Remaining != 0) throw Malformed($"{reader.Remaining} bytes after the event columns");
        if (offset != payloads.Length) throw Malformed($"payloads of {offset} bytes in {payloads.Length}");
        return events;
    }

    private static SyncProtocolException Malformed(string what) => SyncMessageCodec.Malformed(what);

    private ref struct Reader(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _at;

        public readonly int Remaining => _bytes.Length - _at;

        public ulong Next(string column)
        {
            if ((uint)_at < (uint)_bytes.Length && _bytes[_at] < 0x80) return _bytes[_at++]; // the common one-byte varint
            if (!Varint.TryRead(_bytes[_at..], out ulong value, out int read))
                throw Malformed(Remaining == 0 ? $"event columns that end in the {column}" : $"a cut or overlong varint in the {column} column");
            _at += read;
            return value;
        }

        public uint NextUInt32(string column)
        {
            ulong value = Next(column);
            return value <= uint.MaxValue ? (uint)value : throw Malformed($"{column} {value} (at most {uint.MaxValue})");
        }
    }
}

using System.Collections;
using System.Text;

namespace ZamSync;

/// <summary>
/// What a node holds: for each origin, the highest sequence such that every event <c>1..n</c> from that
/// origin is held. Sequences are contiguous per origin, so one number per origin says everything.
/// </summary>
/// <remarks>Not thread-safe; the engine hands out copies.</remarks>
public sealed class VersionVector : IEnumerable<KeyValuePair<NodeId, ulong>>, IEquatable<VersionVector>
{
    private readonly Dictionary<NodeId, ulong> _entries;

    public VersionVector() => _entries = new Dictionary<NodeId, ulong>();

    public VersionVector(IEnumerable<KeyValuePair<NodeId, ulong>> entries) : this()
    {
        foreach (var (origin, seq) in entries) Advance(origin, seq);
    }

    public int Count => _entries.Count;

    public IEnumerable<NodeId> Origins => _entries.Keys;

    /// <summary>The highest contiguous sequence held from <paramref name="origin"/>; 0 when none.</summary>
    public ulong this[NodeId origin] => _entries.GetValueOrDefault(origin);

    /// <summary>Raises the entry for <paramref name="origin"/> to <paramref name="sequence"/>; never lowers it.</summary>
    public void Advance(NodeId origin, ulong sequence)
    {
        if (origin.IsEmpty) throw new ArgumentException("A version vector entry needs a non-zero origin.", nameof(origin));
        if (sequence == 0) return;
        ref var slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_entries, origin, out _);
        if (sequence > slot) slot = sequence;
    }

    /// <summary>Pointwise maximum with <paramref name="other"/>.</summary>
    public void Merge(VersionVector other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var (origin, seq) in other._entries) Advance(origin, seq);
    }

    public VersionVector Clone()
    {
        var copy = new VersionVector();
        foreach (var (origin, seq) in _entries) copy._entries[origin] = seq;
        return copy;
    }

    /// <summary>True when this vector holds at least everything <paramref name="other"/> holds.</summary>
    public bool Dominates(VersionVector other) => other._entries.All(e => this[e.Key] >= e.Value);

    /// <summary>
    /// For each origin <paramref name="theirs"/> knows further than we do, the first sequence we lack.
    /// Origins we know and they don't are not gaps of ours.
    /// </summary>
    public IReadOnlyDictionary<NodeId, ulong> FindGaps(VersionVector theirs)
    {
        ArgumentNullException.ThrowIfNull(theirs);
        var gaps = new Dictionary<NodeId, ulong>();
        foreach (var (origin, theirSeq) in theirs._entries)
        {
            ulong ours = this[origin];
            if (theirSeq > ours) gaps[origin] = ours + 1;
        }
        return gaps;
    }

    // ---- compact encoding ------------------------------------------------------------------------------
    // varint count, then entries sorted by origin: varint (origin - previous origin), varint sequence.
    // Sorted deltas keep it small and make equal vectors encode to equal bytes.

    public int EncodedSize
    {
        get
        {
            int size = Varint.SizeOf((ulong)_entries.Count);
            ulong previous = 0;
            foreach (var (origin, seq) in Sorted())
            {
                size += Varint.SizeOf(origin.Value - previous) + Varint.SizeOf(seq);
                previous = origin.Value;
            }
            return size;
        }
    }

    public int Encode(Span<byte> destination)
    {
        int offset = Varint.Write(destination, (ulong)_entries.Count);
        ulong previous = 0;
        foreach (var (origin, seq) in Sorted())
        {
            offset += Varint.Write(destination[offset..], origin.Value - previous);
            offset += Varint.Write(destination[offset..], seq);
            previous = origin.Value;
        }
        return offset;
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[EncodedSize];
        Encode(bytes);
        return bytes;
    }

    /// <summary>
    /// Decodes a vector. Refuses (returns false) on truncation, unsorted or duplicate origins, zero
    /// sequences, or a count larger than <paramref name="maxEntries"/> or than the bytes could hold.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> source, int maxEntries, out VersionVector vector, out int bytesRead)
    {
        vector = new VersionVector();
        bytesRead = 0;
        if (!Varint.TryRead(source, out ulong count, out int offset)) return false;
        // Each entry takes at least two bytes: check before trusting the count with any allocation.
        if (count > (ulong)maxEntries || count > (ulong)(source.Length - offset) / 2) return false;
        ulong previous = 0;
        for (ulong i = 0; i < count; i++)
        {
            if (!Varint.TryRead(source[offset..], out ulong delta, out int n)) return false;
            offset += n;
            if (!Varint.TryRead(source[offset..], out ulong seq, out n)) return false;
            offset += n;
            if ((i > 0 && delta == 0) || seq == 0 || previous + delta < previous) return false;
            previous += delta;
            if (previous == 0) return false;
            vector._entries[new NodeId(previous)] = seq;
        }
        bytesRead = offset;
        return true;
    }

    public static VersionVector Decode(ReadOnlySpan<byte> source, int maxEntries = int.MaxValue) =>
        TryDecode(source, maxEntries, out var vector, out _) ? vector : throw new FormatException("Malformed version vector.");

    private IEnumerable<KeyValuePair<NodeId, ulong>> Sorted() => _entries.OrderBy(e => e.Key.Value);

    public IEnumerator<KeyValuePair<NodeId, ulong>> GetEnumerator() => Sorted().GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(VersionVector? other) =>
        other is not null && other._entries.Count == _entries.Count && _entries.All(e => other[e.Key] == e.Value);

    public override bool Equals(object? obj) => Equals(obj as VersionVector);

    public override int GetHashCode()
    {
        int hash = 0;
        foreach (var (origin, seq) in _entries) hash ^= HashCode.Combine(origin, seq);
        return hash;
    }

    public override string ToString()
    {
        var sb = new StringBuilder("{");
        foreach (var (origin, seq) in Sorted()) sb.Append(sb.Length > 1 ? ", " : "").Append(origin).Append(':').Append(seq);
        return sb.Append('}').ToString();
    }
}

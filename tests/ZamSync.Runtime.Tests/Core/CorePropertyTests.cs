using CsCheck;
using ZamSync.Sync;

namespace ZamSync.Tests.Core;

/// <summary>Laws the core types must obey for every input, checked on random inputs with CsCheck.</summary>
public class CorePropertyTests
{
    private const long Iterations = 2_000;

    // Small origin and sequence ranges so vectors overlap often; occasionally the extremes.
    private static readonly Gen<ulong> GenOrigin = Gen.Frequency(
        (9, Gen.ULong[1, 12]),
        (1, Gen.ULong[ulong.MaxValue - 3, ulong.MaxValue]));

    private static readonly Gen<ulong> GenSequence = Gen.Frequency(
        (9, Gen.ULong[1, 20]),
        (1, Gen.ULong[1, ulong.MaxValue]));

    internal static readonly Gen<VersionVector> GenVector =
        Gen.Select(GenOrigin, GenSequence).Array[0, 12].Select(entries =>
        {
            var vv = new VersionVector();
            foreach (var (origin, seq) in entries) vv.Advance(new NodeId(origin), seq);
            return vv;
        });

    private static VersionVector Merged(VersionVector a, VersionVector b)
    {
        var result = a.Clone();
        result.Merge(b);
        return result;
    }

    [Fact]
    public void Merge_is_commutative() =>
        Gen.Select(GenVector, GenVector).Sample((a, b) => Assert.Equal(Merged(a, b), Merged(b, a)), iter: Iterations);

    [Fact]
    public void Merge_is_associative() =>
        Gen.Select(GenVector, GenVector, GenVector).Sample(
            (a, b, c) => Assert.Equal(Merged(Merged(a, b), c), Merged(a, Merged(b, c))), iter: Iterations);

    [Fact]
    public void Merge_is_idempotent() =>
        Gen.Select(GenVector, GenVector).Sample((a, b) =>
        {
            Assert.Equal(a, Merged(a, a));
            var ab = Merged(a, b);
            Assert.Equal(ab, Merged(ab, b));
        }, iter: Iterations);

    [Fact]
    public void Merge_dominates_both_inputs_and_is_their_least_upper_bound() =>
        Gen.Select(GenVector, GenVector).Sample((a, b) =>
        {
            var ab = Merged(a, b);
            Assert.True(ab.Dominates(a));
            Assert.True(ab.Dominates(b));
            foreach (var (origin, seq) in ab) Assert.Equal(Math.Max(a[origin], b[origin]), seq);
            // Nothing left for either input to fetch from the merge, nor for the merge from them.
            Assert.Empty(ab.FindGaps(a));
            Assert.Empty(ab.FindGaps(b));
        }, iter: Iterations);

    [Fact]
    public void Gaps_are_exactly_where_theirs_is_ahead() =>
        Gen.Select(GenVector, GenVector).Sample((ours, theirs) =>
        {
            var gaps = ours.FindGaps(theirs);
            foreach (var (origin, seq) in theirs)
            {
                if (seq > ours[origin]) Assert.Equal(ours[origin] + 1, gaps[origin]);
                else Assert.False(gaps.ContainsKey(origin));
            }
            Assert.All(gaps.Keys, origin => Assert.True(theirs[origin] > 0));
            Assert.Equal(gaps.Count == 0, ours.Dominates(theirs));
        }, iter: Iterations);

    [Fact]
    public void Encoding_round_trips() =>
        GenVector.Sample(vv =>
        {
            var bytes = vv.ToBytes();
            Assert.Equal(vv.EncodedSize, bytes.Length);
            Assert.True(VersionVector.TryDecode(bytes, SyncMessageCodec.MaxVectorEntries, out var decoded, out int read));
            Assert.Equal(bytes.Length, read);
            Assert.Equal(vv, decoded);
            Assert.Equal(bytes, decoded.ToBytes());
        }, iter: Iterations);

    [Fact]
    public void Decoding_random_bytes_never_throws_and_accepted_input_is_a_valid_vector() =>
        Gen.Byte.Array[0, 40].Sample(bytes =>
        {
            if (!VersionVector.TryDecode(bytes, 64, out var vv, out int read)) return;
            Assert.InRange(read, 1, bytes.Length);
            Assert.All(vv, e => Assert.True(e.Value > 0 && !e.Key.IsEmpty));
            // Varints with redundant zero groups are accepted, so the canonical encoding may be shorter,
            // but it must describe the same vector.
            var canonical = vv.ToBytes();
            Assert.True(canonical.Length <= read);
            Assert.Equal(vv, VersionVector.Decode(canonical));
        }, iter: 10_000);

    // ---- EventKey is a total order --------------------------------------------------------------------------

    // Few distinct values per field, so equal fields (and equal keys) are common.
    private static readonly Gen<EventKey> GenKey =
        Gen.Select(Gen.Long[0, 3], Gen.UInt[0, 3], Gen.ULong[1, 3], Gen.ULong[1, 3])
            .Select((p, l, o, s) => new EventKey(new Hlc(p, l), new NodeId(o), s));

    [Fact]
    public void Key_order_is_antisymmetric_and_consistent_with_equals() =>
        Gen.Select(GenKey, GenKey).Sample((a, b) =>
        {
            int ab = a.CompareTo(b), ba = b.CompareTo(a);
            Assert.Equal(Math.Sign(ab), -Math.Sign(ba));
            Assert.Equal(ab == 0, a.Equals(b));
            Assert.Equal(ab == 0, a.GetHashCode() == b.GetHashCode() && a == b);
            Assert.Equal(ab < 0, a < b);
            Assert.Equal(ab <= 0, a <= b);
            Assert.Equal(0, a.CompareTo(a));
        }, iter: Iterations);

    [Fact]
    public void Key_order_is_transitive() =>
        Gen.Select(GenKey, GenKey, GenKey).Sample((a, b, c) =>
        {
            if (a <= b && b <= c) Assert.True(a <= c);
            if (a < b && b <= c) Assert.True(a < c);
        }, iter: Iterations);

    [Fact]
    public void Key_order_is_hlc_then_origin_then_sequence() =>
        Gen.Select(GenKey, GenKey).Sample((a, b) =>
        {
            int expected = a.Hlc != b.Hlc ? a.Hlc.CompareTo(b.Hlc)
                : a.Origin != b.Origin ? a.Origin.Value.CompareTo(b.Origin.Value)
                : a.Sequence.CompareTo(b.Sequence);
            Assert.Equal(Math.Sign(expected), Math.Sign(a.CompareTo(b)));
        }, iter: Iterations);

    [Fact]
    public void Sorting_keys_gives_the_same_sequence_whatever_the_input_order() =>
        Gen.Select(GenKey.Array[0, 60], Gen.Int, Gen.Int).Sample((keys, seed1, seed2) =>
        {
            var first = keys.ToArray();
            var second = keys.ToArray();
            new Random(seed1).Shuffle(first);
            new Random(seed2).Shuffle(second);
            Array.Sort(first);
            Array.Sort(second);
            Assert.Equal(first, second);
            Assert.Equal(keys.OrderBy(k => k).ToArray(), first);
        }, iter: Iterations);
}

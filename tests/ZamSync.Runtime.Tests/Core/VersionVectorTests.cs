namespace ZamSync.Tests.Core;

public class VersionVectorTests
{
    private static NodeId N(ulong value) => new(value);

    private static VersionVector Vv(params (ulong Origin, ulong Sequence)[] entries) =>
        new(entries.Select(e => KeyValuePair.Create(N(e.Origin), e.Sequence)));

    // ---- gaps (REFERENCE.md §1 pinned cases) ---------------------------------------------------------------

    [Fact]
    public void Gaps_list_the_first_missing_sequence_per_origin_they_know_further()
    {
        var ours = Vv((1, 5));
        var theirs = Vv((1, 10), (2, 3));

        var gaps = ours.FindGaps(theirs);

        Assert.Equal(2, gaps.Count);
        Assert.Equal(6UL, gaps[N(1)]);
        Assert.Equal(1UL, gaps[N(2)]); // an origin we never heard of starts at its first sequence
    }

    [Fact]
    public void Equal_vectors_have_no_gaps()
    {
        var ours = Vv((1, 10), (2, 3));
        Assert.Empty(ours.FindGaps(Vv((1, 10), (2, 3))));
        Assert.Empty(ours.FindGaps(ours));
    }

    [Fact]
    public void Being_ahead_or_knowing_more_origins_is_not_a_gap()
    {
        var ours = Vv((1, 10), (2, 3), (3, 1));
        Assert.Empty(ours.FindGaps(Vv((1, 9), (2, 3))));
        Assert.Empty(ours.FindGaps(new VersionVector()));
    }

    [Fact]
    public void Two_hundred_origins_of_which_we_know_half_give_two_hundred_gaps()
    {
        var theirs = new VersionVector();
        var ours = new VersionVector();
        for (ulong origin = 1; origin <= 200; origin++)
        {
            theirs.Advance(N(origin), 50 + origin);
            if (origin % 2 == 0) ours.Advance(N(origin), origin / 2); // we know every even origin, partly
        }

        var gaps = ours.FindGaps(theirs);

        Assert.Equal(200, gaps.Count);
        for (ulong origin = 1; origin <= 200; origin++)
            Assert.Equal(origin % 2 == 0 ? origin / 2 + 1 : 1UL, gaps[N(origin)]);
    }

    // ---- basics --------------------------------------------------------------------------------------------

    [Fact]
    public void Advance_never_lowers_and_ignores_zero()
    {
        var vv = new VersionVector();
        vv.Advance(N(1), 5);
        vv.Advance(N(1), 3);
        vv.Advance(N(2), 0);
        Assert.Equal(5UL, vv[N(1)]);
        Assert.Equal(0UL, vv[N(2)]);
        Assert.Equal(1, vv.Count);
        Assert.Throws<ArgumentException>(() => vv.Advance(default, 1));
    }

    [Fact]
    public void Dominates_is_pointwise_greater_or_equal()
    {
        var big = Vv((1, 5), (2, 5));
        Assert.True(big.Dominates(Vv((1, 5))));
        Assert.True(big.Dominates(new VersionVector()));
        Assert.False(big.Dominates(Vv((1, 6))));
        Assert.False(big.Dominates(Vv((3, 1))));
    }

    // ---- encoding ------------------------------------------------------------------------------------------

    public static TheoryData<ulong[]> Vectors => new()
    {
        Array.Empty<ulong>(),
        new ulong[] { 1, 1 },
        new ulong[] { 7, 300, 1, 5, 1000, 1 },
        new ulong[] { ulong.MaxValue, ulong.MaxValue, 1, ulong.MaxValue },
        new ulong[] { 1UL << 63, 127, 128, 16384 },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Encoding_round_trips(ulong[] flat)
    {
        var vv = new VersionVector();
        for (int i = 0; i < flat.Length; i += 2) vv.Advance(N(flat[i]), flat[i + 1]);

        var bytes = vv.ToBytes();

        Assert.Equal(vv.EncodedSize, bytes.Length);
        Assert.True(VersionVector.TryDecode(bytes, int.MaxValue, out var decoded, out int read));
        Assert.Equal(bytes.Length, read);
        Assert.Equal(vv, decoded);
        Assert.Equal(vv.ToString(), decoded.ToString());
        Assert.Equal(bytes, decoded.ToBytes());
    }

    [Fact]
    public void Equal_vectors_encode_to_equal_bytes_whatever_the_insertion_order()
    {
        var a = Vv((3, 1), (1, 2), (2, 3));
        var b = Vv((2, 3), (3, 1), (1, 2));
        Assert.Equal(a.ToBytes(), b.ToBytes());
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Fact]
    public void Decoding_stops_at_the_end_of_the_vector_and_reports_the_bytes_it_used()
    {
        var bytes = Vv((1, 5)).ToBytes().Concat(new byte[] { 0xEE, 0xFF }).ToArray();
        Assert.True(VersionVector.TryDecode(bytes, 10, out var vv, out int read));
        Assert.Equal(bytes.Length - 2, read);
        Assert.Equal(5UL, vv[N(1)]);
    }

    [Fact]
    public void Every_truncation_of_a_valid_encoding_is_refused()
    {
        var bytes = Vv((1, 5), (300, 70_000), (ulong.MaxValue, ulong.MaxValue)).ToBytes();
        for (int length = 0; length < bytes.Length; length++)
            Assert.False(VersionVector.TryDecode(bytes.AsSpan(0, length), int.MaxValue, out _, out _), $"a prefix of {length} bytes was accepted");
    }

    [Theory]
    [InlineData(new byte[] { 5, 1, 1 })] // five entries promised, bytes for one
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 1, 1 })] // a count of 2^63-1
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F })] // a count overflowing 64 bits
    [InlineData(new byte[] { 0x80 })] // a count that never ends
    public void A_count_larger_than_the_bytes_is_refused_without_allocating(byte[] bytes)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.False(VersionVector.TryDecode(bytes, int.MaxValue, out _, out _));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4096);
    }

    [Fact]
    public void A_count_above_the_callers_limit_is_refused()
    {
        var bytes = Vv((1, 1), (2, 1), (3, 1)).ToBytes();
        Assert.True(VersionVector.TryDecode(bytes, 3, out _, out _));
        Assert.False(VersionVector.TryDecode(bytes, 2, out _, out _));
    }

    [Fact]
    public void Duplicate_origins_are_refused()
    {
        // count 2: origin 5 (delta 5) seq 1, then delta 0 (origin 5 again) seq 2.
        Assert.False(VersionVector.TryDecode(new byte[] { 2, 5, 1, 0, 2 }, 10, out _, out _));
    }

    [Fact]
    public void Unsorted_origins_are_refused()
    {
        // count 2: origin 5, then a delta that wraps around 64 bits to land on origin 3 (below 5).
        var bytes = new List<byte> { 2, 5, 1 };
        bytes.AddRange(Varint(ulong.MaxValue - 1)); // 5 + (2^64 - 2) = 3 (mod 2^64)
        bytes.Add(1);
        Assert.False(VersionVector.TryDecode(bytes.ToArray(), 10, out _, out _));
    }

    [Fact]
    public void Zero_sequences_and_zero_origins_are_refused()
    {
        Assert.False(VersionVector.TryDecode(new byte[] { 1, 1, 0 }, 10, out _, out _)); // origin 1, sequence 0
        Assert.False(VersionVector.TryDecode(new byte[] { 2, 1, 1, 1, 0 }, 10, out _, out _)); // second sequence 0
        Assert.False(VersionVector.TryDecode(new byte[] { 1, 0, 1 }, 10, out _, out _)); // origin 0
        Assert.Throws<FormatException>(() => VersionVector.Decode(new byte[] { 1, 0, 1 }));
    }

    [Fact]
    public void An_over_long_varint_is_refused()
    {
        // Eleven continuation bytes: no 64-bit value is that long.
        var bytes = new byte[] { 1, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 1 };
        Assert.False(VersionVector.TryDecode(bytes, 10, out _, out _));
    }

    private static byte[] Varint(ulong value)
    {
        var buffer = new byte[10];
        return buffer[..ZamSync.Varint.Write(buffer, value)];
    }
}

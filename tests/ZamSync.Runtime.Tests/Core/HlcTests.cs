using ZamSync.Tests.Support;

namespace ZamSync.Tests.Core;

public class HlcTests
{
    // REFERENCE.md §1, pinned examples for tick(now).
    [Theory]
    [InlineData(100, 5, 200, 200, 0)] // wall clock ahead: take it, logical restarts
    [InlineData(100, 0, 100, 100, 1)] // same millisecond: logical + 1
    [InlineData(1000, 0, 50, 1000, 1)] // wall clock behind: keep physical, logical + 1
    public void Tick_follows_the_pinned_examples(long physical, uint logical, long now, long expectedPhysical, uint expectedLogical)
    {
        var next = new Hlc(physical, logical).Tick(now);
        Assert.Equal(new Hlc(expectedPhysical, expectedLogical), next);
        Assert.True(next > new Hlc(physical, logical));
    }

    // REFERENCE.md §1, pinned examples for receive(remote, now).
    [Theory]
    [InlineData(100, 0, 200, 5, 100, 200, 6)] // only remote at the max: remote logical + 1
    [InlineData(500, 3, 100, 99, 100, 500, 4)] // only local at the max: local logical + 1
    [InlineData(100, 0, 100, 0, 500, 500, 0)] // wall clock ahead of both: (now, 0)
    [InlineData(100, 3, 100, 7, 100, 100, 8)] // all equal physicals: max logical + 1
    public void Receive_follows_the_pinned_examples(long lp, uint ll, long rp, uint rl, long now, long expectedPhysical, uint expectedLogical)
    {
        var local = new Hlc(lp, ll);
        var remote = new Hlc(rp, rl);
        var next = local.Receive(remote, now);
        Assert.Equal(new Hlc(expectedPhysical, expectedLogical), next);
        Assert.True(next > local);
        Assert.True(next > remote);
    }

    [Fact]
    public void Tick_at_the_largest_logical_carries_into_physical_and_stays_increasing()
    {
        var full = new Hlc(1000, uint.MaxValue);
        var next = full.Tick(now: 1000);
        Assert.Equal(new Hlc(1001, 0), next);
        Assert.True(next > full);
        // And again from behind the wall clock: still strictly increasing.
        Assert.True(next.Tick(now: 5) > next);
    }

    [Theory]
    [InlineData(1000, uint.MaxValue, 1000, 3, 1000)] // both at the max, local logical full
    [InlineData(1000, 3, 1000, uint.MaxValue, 1000)] // both at the max, remote logical full
    [InlineData(1000, uint.MaxValue, 10, 0, 10)] // only local at the max
    [InlineData(10, 0, 1000, uint.MaxValue, 10)] // only remote at the max
    public void Receive_at_the_largest_logical_carries_into_physical(long lp, uint ll, long rp, uint rl, long now)
    {
        var local = new Hlc(lp, ll);
        var remote = new Hlc(rp, rl);
        var next = local.Receive(remote, now);
        Assert.Equal(new Hlc(1001, 0), next);
        Assert.True(next > local);
        Assert.True(next > remote);
    }

    [Fact]
    public void Readings_order_by_physical_then_logical()
    {
        Assert.True(new Hlc(1, uint.MaxValue) < new Hlc(2, 0));
        Assert.True(new Hlc(2, 1) > new Hlc(2, 0));
        Assert.Equal(0, new Hlc(7, 7).CompareTo(new Hlc(7, 7)));
        Assert.Equal("7.3", new Hlc(7, 3).ToString());
    }
}

public class HybridLogicalClockTests
{
    private static readonly TimeSpan Drift = TimeSpan.FromMinutes(1);

    [Fact]
    public void Tick_uses_the_time_provider_and_never_goes_backwards()
    {
        var time = new ManualTimeProvider(10_000);
        var clock = new HybridLogicalClock(time, Drift);

        Assert.Equal(new Hlc(10_000, 0), clock.Tick());
        Assert.Equal(new Hlc(10_000, 1), clock.Tick());
        time.UnixMilliseconds = 9_000; // the wall clock steps back
        Assert.Equal(new Hlc(10_000, 2), clock.Tick());
        time.UnixMilliseconds = 12_000;
        Assert.Equal(new Hlc(12_000, 0), clock.Tick());
        Assert.Equal(new Hlc(12_000, 0), clock.Last);
    }

    [Fact]
    public void A_remote_reading_beyond_the_drift_bound_does_not_move_the_clock()
    {
        var time = new ManualTimeProvider(10_000);
        var clock = new HybridLogicalClock(time, Drift);
        var before = clock.Tick();

        var farAhead = new Hlc(10_000 + (long)Drift.TotalMilliseconds + 1, 0);
        Assert.False(clock.Observe(farAhead));
        Assert.Equal(before, clock.Last);
        Assert.Equal(new Hlc(10_000, 1), clock.Tick());

        var year2040 = new Hlc(DateTimeOffset.Parse("2040-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(), 0);
        Assert.False(clock.Observe(year2040));
        Assert.True(clock.Last < year2040);
    }

    [Fact]
    public void A_remote_reading_within_the_drift_bound_moves_the_clock_past_it()
    {
        var time = new ManualTimeProvider(10_000);
        var clock = new HybridLogicalClock(time, Drift);
        clock.Tick();

        var ahead = new Hlc(10_000 + (long)Drift.TotalMilliseconds, 42); // exactly at the bound
        Assert.True(clock.Observe(ahead));
        Assert.True(clock.Last > ahead);
        var next = clock.Tick();
        Assert.True(next > ahead);
        Assert.Equal(next, clock.Last);
    }

    [Fact]
    public void Observing_an_older_reading_changes_nothing()
    {
        var time = new ManualTimeProvider(10_000);
        var clock = new HybridLogicalClock(time, Drift);
        var now = clock.Tick();
        Assert.True(clock.Observe(new Hlc(5_000, 9)));
        Assert.Equal(now, clock.Last);
    }

    [Fact]
    public void A_negative_drift_bound_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new HybridLogicalClock(TimeProvider.System, TimeSpan.FromMilliseconds(-1)));
}

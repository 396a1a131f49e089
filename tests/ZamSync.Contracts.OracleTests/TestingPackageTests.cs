using ZamSync.Testing;
using V1 = global::Contracts.V1;

namespace ZamSync.Contracts.OracleTests;

/// <summary>
/// ZamSync.Testing against a real contract (the V1 fixture, generated formatters and snapshots) and a real engine:
/// what StateFold folds from a TestEventLog is what an engine folds from the same events.
/// </summary>
public sealed class TestingPackageTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("zamsync-testing-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void The_log_numbers_each_origin_and_stamps_from_the_clock()
    {
        var clock = new TestClock();
        var log = new TestEventLog(clock);
        var first = log.Add(new NodeId(1), new V1.Reading("a", 1));
        var second = log.Add(new NodeId(1), new V1.Reading("b", 2));
        clock.Advance(TimeSpan.FromSeconds(3));
        var other = log.Add(new NodeId(2), new V1.Dosed("x", 5));

        Assert.Equal([1UL, 2UL, 1UL], log.Events.Select(e => e.Sequence));
        Assert.Equal(TestClock.DefaultStart.ToUnixTimeMilliseconds(), first.Hlc.Physical);
        Assert.True(second.Hlc > first.Hlc); // same millisecond: the logical counter moves on
        Assert.Equal(TestClock.DefaultStart.AddSeconds(3).ToUnixTimeMilliseconds(), other.Hlc.Physical);
        Assert.Equal(3u, other.EventType);
    }

    [Fact]
    public void A_fold_in_any_order_is_the_fold_in_the_fold_order()
    {
        int seed = Environment.GetEnvironmentVariable("ZAMSYNC_TESTING_SEED") is { } s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : Random.Shared.Next();
        Console.WriteLine($"ZAMSYNC_TESTING_SEED={seed}");
        var random = new Random(seed);
        var clock = new TestClock();
        var log = new TestEventLog(clock);
        for (int i = 0; i < 200; i++)
        {
            var origin = new NodeId((ulong)random.Next(1, 4));
            // The same ids are written again and again, so the last write in fold order decides each value.
            if (random.Next(3) == 0) log.Add(origin, new V1.Dosed($"item{random.Next(5)}", random.Next(1, 50)));
            else log.Add(origin, new V1.Reading($"id{random.Next(8)}", random.Next(1000)));
            if (random.Next(4) == 0) clock.Advance(TimeSpan.FromMilliseconds(random.Next(1, 100)));
        }

        var inOrder = StateFold.Fold<V1.ReadingsState>(log.Events);
        var shuffled = log.Events.ToArray();
        random.Shuffle(shuffled);
        // Duplicates too: a peer may send an event twice.
        var withDuplicates = shuffled.Concat(shuffled.Take(20)).ToArray();

        Assert.True(StateFold.Same(inOrder, StateFold.Fold<V1.ReadingsState>(withDuplicates)), $"seed {seed}");
        Assert.Equal(StateFold.Hash(inOrder), StateFold.Hash<V1.ReadingsState>(withDuplicates));
        Assert.Matches("^[0-9a-f]{16}$", StateFold.Hash(inOrder));
    }

    [Fact]
    public void Different_states_differ_and_hash_differently()
    {
        var log = new TestEventLog();
        log.Add(new NodeId(1), new V1.Reading("a", 1));
        var one = StateFold.Fold<V1.ReadingsState>(log.Events);
        log.Add(new NodeId(1), new V1.Reading("a", 2));
        var two = StateFold.Fold<V1.ReadingsState>(log.Events);

        Assert.False(StateFold.Same(one, two));
        Assert.NotEqual(StateFold.Hash(one), StateFold.Hash(two));
        Assert.Equal(2, two.Values["a"]);
    }

    [Fact]
    public async Task An_engine_on_a_test_clock_folds_what_StateFold_folds_from_its_log()
    {
        var clock = new TestClock();
        await using var engine = await ZamEngine<V1.ReadingsState>.OpenAsync(Path.Combine(_root, "node"), new NodeId(7), clock.EngineOptions());
        for (int i = 0; i < 20; i++)
        {
            await engine.SubmitAsync(new V1.Reading($"id{i % 6}", i));
            if (i % 3 == 0) await engine.SubmitAsync(new V1.Dosed("x", i));
            clock.Advance(TimeSpan.FromMilliseconds(10));
        }

        var events = engine.ReadAllEvents().ToList();
        Assert.Equal(TestClock.DefaultStart.ToUnixTimeMilliseconds(), events[0].Hlc.Physical);
        Assert.Equal(engine.Read(s => StateFold.Hash(s)), StateFold.Hash<V1.ReadingsState>(events));
    }
}

using System.Text;
using ZamSync.Tests.Support;

namespace ZamSync.Tests.Sync;

/// <summary>Nodes that end up holding the same events end up with the same state, however the events travelled.</summary>
public abstract class ConvergenceSuite : StoreSuite
{
    [Fact]
    public async Task Three_nodes_syncing_pairwise_converge_on_the_same_events_and_state()
    {
        using var dir = new TempDirectory();
        await using var a = await OpenAsync(dir.Sub("a"), 1);
        await using var b = await OpenAsync(dir.Sub("b"), 2);
        await using var c = await OpenAsync(dir.Sub("c"), 3);
        await Sessions.SubmitConcurrentlyAsync(a, 5, "a");
        await Sessions.SubmitConcurrentlyAsync(b, 4, "b");
        await Sessions.SubmitConcurrentlyAsync(c, 3, "c");

        (await Sessions.RunAsync(a, b)).Require();
        (await Sessions.RunAsync(b, c)).Require();
        (await Sessions.RunAsync(a, c)).Require();

        var expected = new VersionVector([KeyValuePair.Create(a.NodeId, 5UL), KeyValuePair.Create(b.NodeId, 4UL), KeyValuePair.Create(c.NodeId, 3UL)]);
        foreach (var node in new[] { a, b, c })
        {
            Assert.Equal(expected, node.Known);
            Assert.Equal(12, node.State.Count);
        }
        Assert.Equal(Sessions.Identities(a), Sessions.Identities(b));
        Assert.Equal(Sessions.Identities(a), Sessions.Identities(c));
        Assert.Equal(a.State.Hash(), b.State.Hash());
        Assert.Equal(a.State.Hash(), c.State.Hash());
        Assert.Equal(Sessions.ReferenceHash(a.ReadAllEvents()), a.State.Hash());
    }

    [Fact]
    public async Task The_same_events_delivered_in_many_random_orders_give_identical_state()
    {
        const int Origins = 4, Rounds = 12, Receivers = 10;
        var random = new Random(20240611);
        using var dir = new TempDirectory();

        // Four origins whose (fake) clocks interleave: same milliseconds across origins (ties broken by
        // origin), clocks that step back (ties broken by the logical counter), and jumps forward.
        var clocks = new ManualTimeProvider[Origins];
        var origins = new ZamEngine<LedgerState>[Origins];
        for (int i = 0; i < Origins; i++)
        {
            clocks[i] = new ManualTimeProvider(1_700_000_000_000);
            origins[i] = await OpenAsync(dir.Sub($"origin{i}"), 10 + (ulong)i, new ZamEngineOptions { TimeProvider = clocks[i] });
        }
        await using var originsScope = new DisposeAll(origins);
        for (int round = 0; round < Rounds; round++)
        {
            foreach (int i in Enumerable.Range(0, Origins).OrderBy(_ => random.Next()))
            {
                clocks[i].UnixMilliseconds = 1_700_000_000_000 + round * 3 + random.Next(-2, 3);
                int burst = random.Next(1, 4);
                for (int k = 0; k < burst; k++)
                    await origins[i].SubmitAsync((uint)random.Next(1, 4), Encoding.UTF8.GetBytes($"o{i}-r{round}-k{k}"));
            }
        }

        var all = origins.SelectMany(o => o.ReadAllEvents()).ToList();
        string reference = Sessions.ReferenceHash(all);
        var full = new VersionVector();
        foreach (var o in origins) full.Merge(o.Known);
        // The interleaving really happened: equal physical times on different origins.
        Assert.Contains(all.GroupBy(e => e.Hlc.Physical), g => g.Select(e => e.Origin).Distinct().Count() > 1);

        var receivers = new List<ZamEngine<LedgerState>>();
        await using var receiversScope = new DisposeAll(receivers);
        int sessions = 0;
        for (int r = 0; r < Receivers; r++)
        {
            var receiver = await OpenAsync(dir.Sub($"receiver{r}"), 100 + (ulong)r,
                new ZamEngineOptions { TimeProvider = new ManualTimeProvider(1_700_000_100_000) });
            receivers.Add(receiver);
            // Sources: the origins, and receivers that already finished (relays), in a random order each time,
            // with random byte budgets so events arrive in pieces and out of fold order.
            var sources = origins.Cast<ZamEngine>().Concat(receivers.Take(r)).ToList();
            for (int step = 0; !receiver.Known.Dominates(full); step++)
            {
                Assert.True(step < 200, $"receiver {r} did not converge");
                var source = sources[random.Next(sources.Count)];
                // At least what the handshakes and completions of three origins take: a smaller cap fails the session
                // with SyncBudgetException (BudgetTests) instead of delivering in pieces.
                long? budget = step < 30 && random.Next(4) != 0 ? random.Next(200, 900) : null;
                bool receiverInitiates = random.Next(2) == 0;
                var outcome = receiverInitiates
                    ? await Sessions.RunAsync(receiver, source, s => { if (budget is { } b) s.WithMaxBytes(b); })
                    : await Sessions.RunAsync(source, receiver, s => { if (budget is { } b) s.WithMaxBytes(b); });
                outcome.Require();
                sessions++;
            }
        }

        foreach (var receiver in receivers)
        {
            Assert.Equal(full, receiver.Known);
            Assert.Equal(all.Count, receiver.State.Count);
            Assert.Equal(reference, receiver.State.Hash());
        }
        // The orders differed: some receivers had to re-fold because an event arrived before one it sorts after.
        Assert.True(receivers.Sum(x => x.State.Resets) > receivers.Count, "no receiver ever re-folded: the test did not deliver out of order");
        Assert.True(sessions > Receivers * 3);
    }

    [Fact]
    public async Task A_hub_serving_several_clinics_at_once_converges_everyone()
    {
        using var dir = new TempDirectory();
        await using var hub = await OpenAsync(dir.Sub("hub"), 100);
        await using var field = await OpenAsync(dir.Sub("field"), 9);
        var clinics = new List<ZamEngine<LedgerState>>();
        await using var scope = new DisposeAll(clinics);
        for (ulong id = 1; id <= 4; id++)
        {
            var clinic = await OpenAsync(dir.Sub($"clinic{id}"), id);
            clinics.Add(clinic);
            await Sessions.SubmitConcurrentlyAsync(clinic, 30, $"c{id}");
        }
        await Sessions.SubmitConcurrentlyAsync(hub, 10, "hub");
        // A field device synced with two clinics: both will hand the same origin-9 events to the hub at once.
        await Sessions.SubmitConcurrentlyAsync(field, 25, "field");
        (await Sessions.RunAsync(field, clinics[0])).Require();
        (await Sessions.RunAsync(field, clinics[1])).Require();

        for (int round = 0; round < 2; round++)
        {
            var outcomes = await Task.WhenAll(clinics.Select(c => Sessions.RunAsync(c, hub, s => s.WithOptions(new() { MaxBatchEvents = 8 }))));
            Assert.All(outcomes, o => o.Require());
        }

        Assert.Equal(4 * 30 + 10 + 25, hub.State.Count);
        Assert.All(clinics, c => Assert.Equal(hub.Known, c.Known));
        Assert.All(clinics, c => Assert.Equal(hub.State.Hash(), c.State.Hash()));
        Assert.Equal(Sessions.ReferenceHash(hub.ReadAllEvents()), hub.State.Hash());
        var identities = Sessions.Identities(hub);
        Assert.Equal(identities.Count, identities.Distinct().Count());
    }

    private sealed class DisposeAll(IEnumerable<ZamEngine> engines) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var engine in engines) await engine.DisposeAsync();
        }
    }
}

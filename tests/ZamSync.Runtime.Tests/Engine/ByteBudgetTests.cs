namespace ZamSync.Tests.Engine;

/// <summary>The engine-wide bound on received bytes waiting for the disk: in order, never stuck, cancellable.</summary>
public sealed class ByteBudgetTests
{
    [Fact]
    public async Task Grants_wait_in_order_until_enough_is_given_back()
    {
        var budget = new ByteBudget(100);
        await budget.AcquireAsync(60, default);
        var big = budget.AcquireAsync(50, default);
        var small = budget.AcquireAsync(10, default);
        // The small one would fit, but does not overtake the larger one ahead of it.
        Assert.False(big.IsCompleted);
        Assert.False(small.IsCompleted);
        budget.Release(60);
        await big;
        await small;
        Assert.Equal(60, budget.Held);
    }

    [Fact]
    public async Task A_grant_larger_than_the_whole_budget_is_given_when_nothing_else_is_held()
    {
        var budget = new ByteBudget(100);
        await budget.AcquireAsync(10, default);
        var huge = budget.AcquireAsync(1_000, default);
        Assert.False(huge.IsCompleted);
        budget.Release(10);
        await huge;
        Assert.Equal(1_000, budget.Held);
    }

    [Fact]
    public async Task A_cancelled_waiter_leaves_the_queue_and_lets_those_behind_it_through()
    {
        var budget = new ByteBudget(100);
        await budget.AcquireAsync(90, default);
        using var cancel = new CancellationTokenSource();
        var blocked = budget.AcquireAsync(50, cancel.Token);
        var behind = budget.AcquireAsync(10, default);
        Assert.False(behind.IsCompleted);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await blocked);
        await behind;
        Assert.Equal(100, budget.Held);
    }
}

/// <summary>Sessions into one engine under a tiny engine-wide bound still deliver everything and give all of it back.</summary>
public sealed class IngestBudgetTests
{
    [Fact]
    public async Task Concurrent_sessions_under_a_tiny_engine_wide_bound_deliver_every_event_and_hold_nothing_after()
    {
        using var root = new Support.TempDirectory();
        var options = new ZamEngineOptions { MaxIngestBytesInFlight = 2_048 };
        await using var hub = await Support.Nodes.OpenAsync(Path.Combine(root.Path, "hub"), 100, options);
        var clinics = new List<ZamEngine<Support.LedgerState>>();
        try
        {
            for (ulong c = 1; c <= 6; c++)
            {
                var clinic = await Support.Nodes.OpenAsync(Path.Combine(root.Path, $"clinic{c}"), c);
                clinics.Add(clinic);
                await Support.Nodes.SubmitManyAsync(clinic, 200, $"c{c}");
            }
            // Small batches, so each session has several in flight and they contend for the bound.
            var small = new ZamSync.Sync.SyncOptions { MaxBatchEvents = 16 };
            var outcomes = await Task.WhenAll(clinics.Select(c => Support.Sessions.RunAsync(c, hub, s => s.WithOptions(small), s => s.WithOptions(small))));
            foreach (var outcome in outcomes) outcome.Require();
            foreach (var clinic in clinics) Assert.Equal(200UL, hub.Events.Known[clinic.NodeId]);
            Assert.Equal(0, hub.IngestBudget.Held);
        }
        finally
        {
            foreach (var c in clinics) await c.DisposeAsync();
        }
    }
}

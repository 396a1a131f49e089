using ZamSync.Sync;
using ZamSync.Tests.Support;
using ZamSync.Testing;

namespace ZamSync.Tests.Sync;

/// <summary>
/// The byte budget is a hard cap for every byte a side writes — handshakes, completions and refusals included — and a
/// failed session still says what it spent (issue 9, defect 9).
/// </summary>
public class BudgetCapTests
{
    /// <summary>
    /// The responder refuses foreign events under OwnOnly after its handshake and completion; the refusal used to go
    /// out on top of the budget. Swept over caps so the refusal lands at every position relative to the cap.
    /// </summary>
    [Fact]
    public async Task A_refusal_never_passes_the_initiators_budget()
    {
        using var dir = new TempDirectory();
        await using var third = await Nodes.OpenAsync(dir.Sub("c"), 3);
        await Nodes.SubmitManyAsync(third, 3, "c");
        var violations = new List<string>();
        for (long cap = 40; cap <= 400; cap += 9)
        {
            await using var a = await Nodes.OpenAsync(dir.Sub($"a{cap}"), 1);
            await using var b = await Nodes.OpenAsync(dir.Sub($"b{cap}"), 2);
            (await Sessions.RunAsync(a, third)).Require(); // A now holds another origin's events, which B refuses from A
            var (left, right) = InMemoryTransport.CreatePair();
            var serving = Sessions.RunSideAsync(right, () => b.CreateSession(right).WithAccessPolicy(AccessPolicy.OwnOnly).ServeOneAsync(a.NodeId));
            var syncing = Sessions.RunSideAsync(left, () => a.CreateSession(left).WithMaxBytes(cap).SyncAsync(b.NodeId));
            var (_, initiatorError) = await syncing.WaitAsync(Sessions.Guard);
            var (_, responderError) = await serving.WaitAsync(Sessions.Guard);
            if (left.BytesSent > cap || right.BytesSent > cap)
                violations.Add($"cap {cap}: initiator sent {left.BytesSent} B, responder {right.BytesSent} B");
            Assert.True(initiatorError is null or SyncException, $"cap {cap}: {initiatorError}");
            Assert.True(responderError is null or SyncException, $"cap {cap}: {responderError}");
        }
        Assert.Empty(violations);
    }

    [Fact]
    public async Task A_budget_too_small_for_the_handshake_sends_nothing_and_says_so()
    {
        using var dir = new TempDirectory();
        await using var a = await Nodes.OpenAsync(dir.Sub("a"), 1);
        await using var b = await Nodes.OpenAsync(dir.Sub("b"), 2);
        await Nodes.SubmitManyAsync(a, 2);

        var outcome = await Sessions.RunAsync(a, b, client => client.WithMaxBytes(10));

        var error = Assert.IsType<SyncBudgetException>(outcome.InitiatorError);
        Assert.False(error.IsTransient);
        Assert.Contains("10 B", error.Message);
        Assert.Equal(0, error.Stats!.BytesSent);
    }

    [Fact]
    public async Task A_peer_that_closes_early_is_a_transient_disconnect_with_stats_and_no_refusal_past_the_budget()
    {
        using var dir = new TempDirectory();
        await using var a = await Nodes.OpenAsync(dir.Sub("a"), 1);
        await Nodes.SubmitManyAsync(a, 5);
        var (left, right) = InMemoryTransport.CreatePair();
        var syncing = Sessions.RunSideAsync(left, () => a.CreateSession(left).WithMaxBytes(200).SyncAsync(new NodeId(2)));
        // The "peer" reads the handshake and hangs up.
        Assert.NotNull(await right.ReceiveAsync(CancellationToken.None));
        await right.DisposeAsync();

        var (_, error) = await syncing.WaitAsync(Sessions.Guard);

        var disconnected = Assert.IsType<SyncDisconnectedException>(error);
        Assert.True(disconnected.IsTransient);
        Assert.NotNull(disconnected.Stats);
        Assert.Equal(left.BytesSent, disconnected.Stats!.BytesSent);
        Assert.True(left.BytesSent <= 200, $"sent {left.BytesSent} B against a 200 B budget");
    }

    [Fact]
    public async Task Stats_say_which_direction_stopped_at_the_budget()
    {
        using var dir = new TempDirectory();
        await using var a = await Nodes.OpenAsync(dir.Sub("a"), 1);
        await using var b = await Nodes.OpenAsync(dir.Sub("b"), 2);
        await Nodes.SubmitManyAsync(a, 200, "a-event-with-a-longer-payload");
        await Nodes.SubmitManyAsync(b, 1, "b");

        var (client, server) = (await Sessions.RunAsync(a, b, c => c.WithMaxBytes(600))).Require();

        Assert.True(client.SendingStoppedByBudget);
        Assert.False(client.ReceivingStoppedByBudget);
        Assert.False(server.SendingStoppedByBudget);
        Assert.True(server.ReceivingStoppedByBudget);
        Assert.True(client.BudgetExhausted && server.BudgetExhausted);
        Assert.Equal(1UL, a.Known[b.NodeId]);
    }
}

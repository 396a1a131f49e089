using ZamSync.Tests.Support;

namespace ZamSync.Tests.Sync;

public abstract class TwoNodeSyncSuite : StoreSuite
{
    [Fact]
    public async Task Two_nodes_exchange_everything_both_ways()
    {
        using var dir = new TempDirectory();
        await using var a = await OpenAsync(dir.Sub("a"), 1);
        await using var b = await OpenAsync(dir.Sub("b"), 2);
        await Nodes.SubmitManyAsync(a, 3, "a");
        await Nodes.SubmitManyAsync(b, 2, "b");

        var (client, server) = await Nodes.SyncAsync(a, b);

        Assert.Equal(3, client.EventsSent);
        Assert.Equal(2, client.EventsReceived);
        Assert.Equal(2, server.EventsSent);
        Assert.Equal(3, server.EventsReceived);
        Assert.Equal(0, client.EventsQuarantined);
        Assert.False(client.BudgetExhausted);
        Assert.False(server.BudgetExhausted);
        Assert.Equal(new NodeId(2), client.Peer);
        Assert.Equal(new NodeId(1), server.Peer);
        // Every byte one side sent, the other received.
        Assert.Equal(client.BytesSent, server.BytesReceived);
        Assert.Equal(server.BytesSent, client.BytesReceived);

        Assert.Equal(5, a.State.Count);
        Assert.Equal(5, b.State.Count);
        Assert.Equal(a.State.Hash(), b.State.Hash());
        Assert.Equal(Sessions.ReferenceHash(a.ReadAllEvents()), a.State.Hash());
        Assert.Equal(a.Known, b.Known);
        Assert.Equal(3UL, a.Known[a.NodeId]);
        Assert.Equal(2UL, a.Known[b.NodeId]);
        Assert.Equal(Sessions.Identities(a), Sessions.Identities(b));
        // Each side now knows (from the acknowledgements) that the other holds everything.
        Assert.Equal(a.Known, a.PeerKnowledge(b.NodeId));
        Assert.Equal(b.Known, b.PeerKnowledge(a.NodeId));
    }

    [Fact]
    public async Task Re_running_a_finished_session_transfers_nothing()
    {
        using var dir = new TempDirectory();
        await using var a = await OpenAsync(dir.Sub("a"), 1);
        await using var b = await OpenAsync(dir.Sub("b"), 2);
        await Nodes.SubmitManyAsync(a, 4, "a");
        await Nodes.SubmitManyAsync(b, 3, "b");
        await Nodes.SyncAsync(a, b);
        var hash = a.State.Hash();

        for (int round = 0; round < 2; round++)
        {
            var (client, server) = await Nodes.SyncAsync(a, b);
            Assert.Equal(0, client.EventsSent);
            Assert.Equal(0, server.EventsSent);
            Assert.Equal(0, client.EventsReceived);
            Assert.Equal(0, server.EventsReceived);
            Assert.False(client.BudgetExhausted);
        }
        // The other direction (b initiating) has nothing to do either.
        var (back, _) = await Nodes.SyncAsync(b, a);
        Assert.Equal(0, back.EventsSent);
        Assert.Equal(0, back.EventsReceived);

        Assert.Equal(hash, a.State.Hash());
        Assert.Equal(hash, b.State.Hash());
        Assert.Equal(7, a.State.Count);
    }
}

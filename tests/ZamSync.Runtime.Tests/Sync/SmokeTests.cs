using ZamSync.Tests.Support;

namespace ZamSync.Tests.Sync;

public class TwoNodeSyncTests
{
    [Fact]
    public async Task Two_nodes_exchange_everything_both_ways()
    {
        using var dir = new TempDirectory();
        await using var a = await Nodes.OpenAsync(dir.Sub("a"), 1);
        await using var b = await Nodes.OpenAsync(dir.Sub("b"), 2);
        await Nodes.SubmitManyAsync(a, 3, "a");
        await Nodes.SubmitManyAsync(b, 2, "b");

        var (client, server) = await Nodes.SyncAsync(a, b);

        Assert.Equal(3, client.EventsSent);
        Assert.Equal(2, client.EventsReceived);
        Assert.Equal(2, server.EventsSent);
        Assert.Equal(3, server.EventsReceived);
        Assert.Equal(5, a.State.Count);
        Assert.Equal(a.State.Hash(), b.State.Hash());
        Assert.Equal(a.Known, b.Known);
    }
}

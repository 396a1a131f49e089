using ZamSync.Testing;
using System.Text;
using ZamSync.Net.Tcp;
using ZamSync.Sync;
using ZamSync.Tests.Support;

namespace ZamSync.Net.Tests.Faults;

public class CutConnectionTests
{
    /// <summary>
    /// 100 sessions, each cut at a random byte in a random direction, retried until one completes: both
    /// sides end with every event exactly once and the same state.
    /// </summary>
    [Fact]
    public async Task Sessions_cut_at_random_bytes_in_both_directions_converge_exactly_once()
    {
        using var dir = new TempDirectory();
        await using var hub = await Nodes.OpenAsync(dir.Sub("hub"), 900);
        await using var clinic = await Nodes.OpenAsync(dir.Sub("clinic"), 901);
        const int perAttempt = 4;

        await using var listener = TcpTransport.Bind("127.0.0.1:0");
        var serving = Task.Run(async () =>
        {
            while (true)
            {
                TcpPeerTransport peer;
                try { peer = await listener.AcceptSplitAsync(); }
                catch (ObjectDisposedException) { return; }
                _ = Task.Run(async () =>
                {
                    await using (peer)
                    {
                        try { await hub.CreateSession(peer).ServeOneAsync(peer.PeerId); }
                        catch (Exception ex) when (ex is IOException or ZamException) { } // the cut
                    }
                });
            }
        });
        await using var proxy = new LinkSimulator(listener.LocalEndPoint);
        var random = new Random(42);
        var options = new SyncOptions { MaxBatchEvents = 16, IdleTimeout = TimeSpan.FromSeconds(5) };

        int cuts = 0;
        for (int attempt = 0; attempt < 100; attempt++)
        {
            // Fresh events on both sides every time, so every session has data to cut in both directions
            // (about 200-300 bytes each way once compressed).
            await Nodes.SubmitManyAsync(hub, perAttempt, $"hub-{attempt}");
            await Nodes.SubmitManyAsync(clinic, perAttempt, $"clinic-{attempt}");
            long at = 1 + random.Next(200);
            if (random.Next(2) == 0) { proxy.CutUpstreamAfter = at; proxy.CutDownstreamAfter = null; }
            else { proxy.CutDownstreamAfter = at; proxy.CutUpstreamAfter = null; }
            try
            {
                await using var link = await TcpTransport.ConnectAsync(hub.NodeId, proxy.Address);
                await clinic.CreateSession(link).WithOptions(options).SyncAsync(hub.NodeId);
            }
            catch (Exception ex) when (ex is IOException or ZamException) { cuts++; }
        }
        Assert.True(cuts >= 60, $"only {cuts} of 100 sessions were cut");

        // Finish over a clean link, then check exactly-once on both sides.
        proxy.CutUpstreamAfter = proxy.CutDownstreamAfter = null;
        const int total = 100 * perAttempt;
        for (int i = 0; i < 3 && !(hub.Known.Equals(clinic.Known) && hub.Known[hub.NodeId] == total && hub.Known[clinic.NodeId] == total); i++)
        {
            await using var link = await TcpTransport.ConnectAsync(hub.NodeId, proxy.Address);
            await clinic.CreateSession(link).SyncAsync(hub.NodeId);
        }

        foreach (var node in new ZamEngine[] { hub, clinic })
        {
            foreach (var origin in new[] { hub.NodeId, clinic.NodeId })
            {
                var seqs = node.ReadEvents(origin).Select(e => e.Sequence).ToList();
                Assert.Equal(Enumerable.Range(1, total).Select(i => (ulong)i), seqs);
            }
        }
        Assert.Equal(2 * total, hub.Read(s => s.Count));
        Assert.Equal(hub.Read(s => s.Hash()), clinic.Read(s => s.Hash()));
        await listener.DisposeAsync();
        await serving;
    }
}

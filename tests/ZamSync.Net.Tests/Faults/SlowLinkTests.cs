using ZamSync.Testing;
using ZamSync.Net.Tcp;
using ZamSync.Sync;
using ZamSync.Tests.Support;

namespace ZamSync.Net.Tests.Faults;

public class SlowLinkTests
{
    /// <summary>
    /// A 2G link (30 kbit/s, 600 ms round trip): 1,000 events reach the hub over several sessions, none of
    /// which sends more than its byte budget.
    /// </summary>
    [Fact]
    public async Task A_throttled_2G_link_delivers_1000_events_within_budgets_over_several_sessions()
    {
        using var dir = new TempDirectory();
        await using var hub = await Nodes.OpenAsync(dir.Sub("hub"), 700);
        await using var clinic = await Nodes.OpenAsync(dir.Sub("clinic"), 701);
        await Nodes.SubmitManyAsync(clinic, 1000, "visit-recorded-patient");

        await using var listener = TcpTransport.Bind("127.0.0.1:0");
        await using var proxy = new LinkSimulator(listener.LocalEndPoint)
        {
            OneWayDelay = TimeSpan.FromMilliseconds(300),
            BytesPerSecond = 30_000 / 8,
        };
        // About 8 bytes an event once framed and compressed: two sessions or more.
        const long budget = 4 * 1024;
        var sessions = new List<SyncStats>();
        while (sessions.Count < 20)
        {
            var serving = Task.Run(async () =>
            {
                await using var peer = await listener.AcceptSplitAsync();
                return await hub.CreateSession(peer).ServeOneAsync(peer.PeerId);
            });
            await using (var link = await TcpTransport.ConnectAsync(hub.NodeId, proxy.Address))
                sessions.Add(await clinic.CreateSession(link).WithMaxBytes(budget).SyncAsync(hub.NodeId));
            var served = await serving;
            Assert.True(served.BytesSent <= budget, $"hub sent {served.BytesSent} bytes");
            if (!sessions[^1].BudgetExhausted) break;
        }

        Assert.All(sessions, s => Assert.True(s.BytesSent <= budget, $"a session sent {s.BytesSent} bytes over a {budget}-byte budget"));
        Assert.True(sessions.Count > 1, "the budget should have needed several sessions");
        Assert.False(sessions[^1].BudgetExhausted);
        Assert.Equal(1000, hub.Read(s => s.Count));
        Assert.Equal(1000, sessions.Sum(s => s.EventsSent));
    }
}

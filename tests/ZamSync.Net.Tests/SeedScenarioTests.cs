using System.Text;
using ZamSync.Net.Tcp;
using ZamSync.Sync;
using ZamSync.Tests.Support;

namespace ZamSync.Net.Tests;

/// <summary>
/// The original's six end-to-end tests of its TCP peer transport (same intent, same numbers), plus its
/// two-node full sync, over real sockets on loopback. Unlike the original, the hub keeps one engine for
/// every connection: the single writer of its directory.
/// </summary>
public class SeedScenarioTests
{
    private static async Task<ZamEngine<CounterState>> OpenAsync(string dir, ulong id) =>
        await ZamEngine<CounterState>.OpenAsync(dir, new NodeId(id), new CounterState());

    private static async Task SubmitAsync(ZamEngine engine, int count, Func<int, string> payload)
    {
        for (int i = 0; i < count; i++) await engine.SubmitAsync(1, Encoding.UTF8.GetBytes(payload(i)));
    }

    /// <summary>Listens, accepts one connection and serves one session on <paramref name="hub"/>.</summary>
    private static (string Address, Task<SyncStats> Served, TcpTransport Listener) ServeOnce(ZamEngine hub)
    {
        var listener = TcpTransport.Bind("127.0.0.1:0");
        var served = Task.Run(async () =>
        {
            await using var peer = await listener.AcceptSplitAsync();
            return await hub.CreateSession(peer).ServeOneAsync(peer.PeerId);
        });
        return (listener.LocalEndPoint.ToString(), served, listener);
    }

    private static async Task<SyncStats> SyncAsync(ZamEngine clinic, NodeId hubId, string address, long? maxBytes = null)
    {
        await using var link = await TcpTransport.ConnectAsync(hubId, address);
        var session = clinic.CreateSession(link);
        if (maxBytes is { } cap) session.WithMaxBytes(cap);
        return await session.SyncAsync(hubId);
    }

    [Fact]
    public async Task Bytes_sent_is_nonzero_for_an_empty_sync()
    {
        using var dir = new TempDirectory();
        await using var hub = await OpenAsync(dir.Sub("hub"), 10);
        await using var clinic = await OpenAsync(dir.Sub("clinic"), 11);
        var (address, served, listener) = ServeOnce(hub);
        await using (listener)
        {
            var stats = await SyncAsync(clinic, hub.NodeId, address);
            await served;
            Assert.True(stats.BytesSent > 0, "handshake and completion alone must be counted");
            Assert.False(stats.BudgetExhausted);
        }
    }

    [Fact]
    public async Task Bytes_sent_grows_with_data()
    {
        using var dir = new TempDirectory();
        long empty, full;
        await using (var hub = await OpenAsync(dir.Sub("hub-empty"), 20))
        await using (var clinic = await OpenAsync(dir.Sub("clinic-empty"), 21))
        {
            var (address, served, listener) = ServeOnce(hub);
            await using (listener) { empty = (await SyncAsync(clinic, hub.NodeId, address)).BytesSent; await served; }
        }
        await using (var hub = await OpenAsync(dir.Sub("hub-data"), 20))
        await using (var clinic = await OpenAsync(dir.Sub("clinic-data"), 21))
        {
            await SubmitAsync(clinic, 50, i => $"bytes-grow-evt-{i}");
            var (address, served, listener) = ServeOnce(hub);
            await using (listener) { full = (await SyncAsync(clinic, hub.NodeId, address)).BytesSent; await served; }
        }
        Assert.True(full > empty, $"a clinic with 50 events ({full} B) must send more than an empty one ({empty} B)");
    }

    [Fact]
    public async Task A_1_KB_cap_with_500_events_stops_early()
    {
        using var dir = new TempDirectory();
        await using var hub = await OpenAsync(dir.Sub("hub"), 30);
        await using var clinic = await OpenAsync(dir.Sub("clinic"), 31);
        await SubmitAsync(clinic, 500, i => $"budget-cap-evt-{i:D40}");
        var (address, served, listener) = ServeOnce(hub);
        await using (listener)
        {
            var stats = await SyncAsync(clinic, hub.NodeId, address, maxBytes: 1024);
            await served;
            Assert.True(stats.BudgetExhausted);
            Assert.True(stats.EventsSent < 500, $"sent {stats.EventsSent}");
            Assert.True(stats.BytesSent <= 1024, $"the cap is hard: sent {stats.BytesSent} bytes");
            Assert.Equal(stats.EventsSent, hub.Read(s => s.Count));
        }
    }

    [Fact]
    public async Task No_cap_delivers_all_100_events()
    {
        using var dir = new TempDirectory();
        await using var hub = await OpenAsync(dir.Sub("hub"), 40);
        await using var clinic = await OpenAsync(dir.Sub("clinic"), 41);
        await SubmitAsync(hub, 100, i => $"nocap-evt-{i}");
        var (address, served, listener) = ServeOnce(hub);
        await using (listener)
        {
            var stats = await SyncAsync(clinic, hub.NodeId, address);
            await served;
            Assert.False(stats.BudgetExhausted);
            Assert.Equal(100, stats.EventsReceived);
            Assert.Equal(100, clinic.Read(s => s.Count));
        }
    }

    [Fact]
    public async Task Capped_then_resumed_delivers_all_300_with_no_resend()
    {
        using var dir = new TempDirectory();
        await using var hub = await OpenAsync(dir.Sub("hub"), 50);
        await using var clinic = await OpenAsync(dir.Sub("clinic"), 51);
        await SubmitAsync(clinic, 300, i => $"resume-evt-{i:D40}");

        SyncStats first, second;
        int afterFirst;
        var (address1, served1, listener1) = ServeOnce(hub);
        await using (listener1) { first = await SyncAsync(clinic, hub.NodeId, address1, maxBytes: 1024); await served1; }
        afterFirst = hub.Read(s => s.Count);
        Assert.True(first.BudgetExhausted);
        Assert.True(afterFirst < 300, $"hub got {afterFirst}");

        var (address2, served2, listener2) = ServeOnce(hub);
        await using (listener2) { second = await SyncAsync(clinic, hub.NodeId, address2); await served2; }
        Assert.False(second.BudgetExhausted);
        Assert.Equal(300, hub.Read(s => s.Count));
        Assert.True(second.EventsSent < 300, $"resume re-sent: {second.EventsSent}");
        Assert.Equal(300, first.EventsSent + second.EventsSent);
        Assert.True(hub.Read(s => s.Count) > afterFirst);
    }

    [Fact]
    public async Task Four_clinics_sync_concurrently_with_one_hub()
    {
        const int clinics = 4, eventsPerClinic = 5;
        using var dir = new TempDirectory();
        await using var hub = await OpenAsync(dir.Sub("hub"), 1000);
        await using var listener = TcpTransport.Bind("127.0.0.1:0");
        var address = listener.LocalEndPoint.ToString();

        var hubTask = Task.Run(async () =>
        {
            var sessions = new List<Task>();
            for (int i = 0; i < clinics; i++)
            {
                var peer = await listener.AcceptSplitAsync();
                sessions.Add(Task.Run(async () =>
                {
                    await using (peer) await hub.CreateSession(peer).ServeOneAsync(peer.PeerId);
                }));
            }
            await Task.WhenAll(sessions);
        });

        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clinicTasks = Enumerable.Range(1, clinics).Select(i => Task.Run(async () =>
        {
            await using var clinic = await OpenAsync(dir.Sub($"clinic-{i}"), (ulong)i);
            await SubmitAsync(clinic, eventsPerClinic, j => $"clinic-{i}-evt-{j}");
            await start.Task; // release every clinic at once
            await SyncAsync(clinic, hub.NodeId, address);
        })).ToArray();
        start.SetResult();
        await Task.WhenAll(clinicTasks);
        await hubTask;

        Assert.Equal(clinics * eventsPerClinic, hub.Read(s => s.Count));
    }

    [Fact]
    public async Task Two_nodes_fully_sync_3_and_2_events()
    {
        using var dir = new TempDirectory();
        await using var hub = await OpenAsync(dir.Sub("hub"), 60);
        await using var clinic = await OpenAsync(dir.Sub("clinic"), 61);
        await SubmitAsync(hub, 3, i => $"hub-{i}");
        await SubmitAsync(clinic, 2, i => $"clinic-{i}");
        var (address, served, listener) = ServeOnce(hub);
        await using (listener)
        {
            await SyncAsync(clinic, hub.NodeId, address);
            await served;
        }
        Assert.Equal(5, hub.Read(s => s.Count));
        Assert.Equal(5, clinic.Read(s => s.Count));
        Assert.Equal(hub.Known, clinic.Known);
    }
}

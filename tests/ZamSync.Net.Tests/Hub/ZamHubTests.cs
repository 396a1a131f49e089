using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ZamSync.Net.Hub;
using ZamSync.Net.Tcp;
using ZamSync.Testing;
using ZamSync.Sync;
using ZamSync.Tests.Support;

namespace ZamSync.Net.Tests.Hub;

public class ZamHubTests
{
    private static readonly NodeId HubId = new(5000);

    private static async Task<SyncStats> SyncAsync(ZamEngine clinic, string address, long? cap = null)
    {
        await using var link = await TcpTransport.ConnectAsync(HubId, address);
        var session = clinic.CreateSession(link);
        if (cap is { } c) session.WithMaxBytes(c);
        return await session.SyncAsync(HubId);
    }

    [Fact]
    public async Task Sixty_four_clinics_syncing_at_once_converge_through_one_hub_engine()
    {
        const int clinics = 64, events = 10;
        using var dir = new TempDirectory();
        await using var engine = await Nodes.OpenAsync(dir.Sub("hub"), HubId.Value);
        // All 64 clinics connect from 127.0.0.1 at once, like clinics behind one NAT address: the per-address bound on
        // handshakes in progress must cover that burst, or the hub, past half its handshake bound, refuses some.
        await using var hub = new ZamHub(engine, new ZamHubOptions
        {
            Listen = "127.0.0.1:0", MaxConcurrentSessions = 8,
            Transport = new TcpTransportOptions { MaxPendingConnectionsPerAddress = clinics },
        });
        var ended = new EndedSessions(hub);
        await hub.StartAsync();
        string address = hub.LocalEndPoint.ToString();

        var nodes = await Task.WhenAll(Enumerable.Range(1, clinics).Select(i => Nodes.OpenAsync(dir.Sub($"c{i}"), (ulong)i)));
        try
        {
            await Task.WhenAll(nodes.Select(n => Nodes.SubmitManyAsync(n, events, $"clinic-{n.NodeId}")));
            // Round one uploads everything; round two brings every clinic everyone else's events.
            await Task.WhenAll(nodes.Select(n => SyncAsync(n, address)));
            await Task.WhenAll(nodes.Select(n => SyncAsync(n, address)));

            Assert.Equal(clinics * events, engine.Read(s => s.Count));
            var expected = engine.Read(s => s.Hash());
            Assert.All(nodes, n =>
            {
                Assert.Equal(engine.Known, n.Known);
                Assert.Equal(expected, n.Read(s => s.Hash()));
            });
            // The hub records a session after it has stored what it learned, which may be after the client returns.
            await ended.WaitForAsync(2 * clinics);
            Assert.Equal(clinics, hub.Peers.Count);
            Assert.All(hub.Peers.Values, p => Assert.Equal((2, 0), (p.Sessions, p.Failures)));

            // The hub's directory has exactly one writer while it runs.
            await Assert.ThrowsAsync<DataDirectoryLockedException>(() => Nodes.OpenAsync(engine.DataDirectory, HubId.Value));
        }
        finally
        {
            foreach (var n in nodes) await n.DisposeAsync();
        }
    }

    [Fact]
    public async Task Shutdown_mid_session_loses_nothing_and_a_restarted_hub_completes_the_sync()
    {
        using var dir = new TempDirectory();
        await using var engine = await Nodes.OpenAsync(dir.Sub("hub"), HubId.Value);
        await using var clinic = await Nodes.OpenAsync(dir.Sub("clinic"), 1);
        await Nodes.SubmitManyAsync(clinic, 600, "slow-upload");

        var hub = new ZamHub(engine, new ZamHubOptions { Listen = "127.0.0.1:0", ShutdownGracePeriod = TimeSpan.FromMilliseconds(300) });
        await hub.StartAsync();
        await using (var proxy = new LinkSimulator(hub.LocalEndPoint) { BytesPerSecond = 4000 })
        {
            var options = new SyncOptions { MaxBatchEvents = 32 };
            var upload = Task.Run(async () =>
            {
                await using var link = await TcpTransport.ConnectAsync(HubId, proxy.Address);
                return await clinic.CreateSession(link).WithOptions(options).SyncAsync(HubId);
            });
            // Stop once the hub has durably received part of the upload (its change feed says so).
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
                await engine.WaitForEventsAsync(32, cancellationToken: timeout.Token);
            await hub.StopAsync();
            await hub.DisposeAsync();
            var ex = await Record.ExceptionAsync(() => upload);
            Assert.True(ex is IOException or ZamException, $"the cut session should fail, got {ex}");
        }
        int partial = engine.Read(s => s.Count);
        Assert.InRange(partial, 1, 599);
        // The failed session is counted, with the bytes it moved (a failed session used to count none): at least a
        // byte per event the hub kept, and the hub's own handshake.
        var status = hub.Peers[clinic.NodeId];
        Assert.Equal((1, 1), (status.Sessions, status.Failures));
        Assert.True(status.BytesReceived >= partial, $"{status.BytesReceived} bytes for {partial} events");
        Assert.True(status.BytesSent > 0);

        await using var restarted = new ZamHub(engine, new ZamHubOptions { Listen = "127.0.0.1:0" });
        await restarted.StartAsync();
        var stats = await SyncAsync(clinic, restarted.LocalEndPoint.ToString());
        Assert.Equal(600 - partial, stats.EventsSent);
        Assert.Equal(600, engine.Read(s => s.Count));
        Assert.Equal(Enumerable.Range(1, 600).Select(i => (ulong)i), engine.ReadEvents(clinic.NodeId).Select(e => e.Sequence));
    }

    [Fact]
    public async Task AddZamSyncHub_runs_the_hub_with_the_host()
    {
        using var dir = new TempDirectory();
        var engine = await Nodes.OpenAsync(dir.Sub("hub"), HubId.Value);
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<ZamEngine>(engine);
        builder.Services.AddZamSyncHub(new ZamHubOptions { Listen = "127.0.0.1:0" });
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var hub = host.Services.GetRequiredService<ZamHub>();
            var ended = new EndedSessions(hub);
            await using var clinic = await Nodes.OpenAsync(dir.Sub("clinic"), 2);
            await Nodes.SubmitManyAsync(clinic, 5, "hosted");
            var stats = await SyncAsync(clinic, hub.LocalEndPoint.ToString());
            Assert.Equal(5, stats.EventsSent);
            Assert.Equal(5, engine.Read(s => s.Count));
            await ended.WaitForAsync(1);
            Assert.NotNull(hub.Peers[clinic.NodeId].LastSuccess);
        }
        finally
        {
            await host.StopAsync();
            await engine.DisposeAsync();
        }
    }
}

/// <summary>
/// Counts the sessions a hub finished. The hub's bookkeeping of a session ends after the client's <c>SyncAsync</c>
/// returns (it stores what it learned first), so a test reads <see cref="ZamHub.Peers"/> only once they are all in.
/// </summary>
internal sealed class EndedSessions
{
    private readonly object _gate = new();
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];
    private int _ended;

    public EndedSessions(ZamHub hub) => hub.SessionEnded += _ =>
    {
        lock (_gate)
        {
            _ended++;
            foreach (var w in _waiters.Where(w => w.Count <= _ended)) w.Done.TrySetResult();
            _waiters.RemoveAll(w => w.Count <= _ended);
        }
    };

    public Task WaitForAsync(int count)
    {
        lock (_gate)
        {
            if (_ended >= count) return Task.CompletedTask;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, done));
            return done.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }
}

public class HubRejectionTests
{
    [Fact]
    public async Task A_hostile_connection_is_counted_by_reason_and_the_hub_keeps_serving()
    {
        using var dir = new TempDirectory();
        await using var engine = await Nodes.OpenAsync(dir.Sub("hub"), 77);
        var rejected = new List<string>();
        using var meters = new System.Diagnostics.Metrics.MeterListener();
        meters.InstrumentPublished = (i, l) => { if (engine.Metrics.Owns(i) && i.Name == ZamSync.Diagnostics.ZamMetrics.Instruments.ConnectionsRejected) l.EnableMeasurementEvents(i); };
        meters.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags) if (tag.Key == "reason") lock (rejected) rejected.Add((string)tag.Value!);
        });
        meters.Start();
        await using var hub = new ZamHub(engine, new ZamHubOptions { Listen = "127.0.0.1:0" });
        await hub.StartAsync();

        using (var hostile = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp))
        {
            await hostile.ConnectAsync(hub.LocalEndPoint);
            await hostile.SendAsync(new byte[] { 0, 0, 0, 2, 7, 7 }, System.Net.Sockets.SocketFlags.None); // unknown frame flag
            var buffer = new byte[8];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try { Assert.Equal(0, await hostile.ReceiveAsync(buffer, System.Net.Sockets.SocketFlags.None, timeout.Token)); }
            catch (System.Net.Sockets.SocketException) { } // reset: closed all the same
        }

        await using var clinic = await Nodes.OpenAsync(dir.Sub("clinic"), 78);
        await Nodes.SubmitManyAsync(clinic, 3, "after-hostile");
        await using (var link = await TcpTransport.ConnectAsync(engine.NodeId, hub.LocalEndPoint.ToString()))
            await clinic.CreateSession(link).SyncAsync(engine.NodeId);

        Assert.Equal(3, engine.Read(s => s.Count));
        Assert.Equal(1, hub.RejectedConnections);
        lock (rejected) Assert.Equal(["protocol"], rejected);
    }
}

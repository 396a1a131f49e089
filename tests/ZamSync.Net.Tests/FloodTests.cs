using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Xunit.Abstractions;
using ZamSync.Diagnostics;
using ZamSync.Net.Hub;
using ZamSync.Net.Tcp;
using ZamSync.Net.Tls;
using ZamSync.Sync;
using ZamSync.Tests.Support;

namespace ZamSync.Net.Tests;

/// <summary>
/// Connections that never say anything. The listener used to give every one of them a handshake slot for the whole
/// <see cref="TcpTransportOptions.FirstMessageTimeout"/>: a few hundred silent sockets from one client kept every
/// clinic out until they timed out. The flood comes from 127.0.0.2 and up, the clinic from 127.0.0.1, so the
/// per-address bound applies to the flood and not to the clinic. Run alone: hundreds of sockets at once would slow
/// the other tests' tight deadlines (a 500 ms first-message deadline in <see cref="AcceptTests"/>) on a small machine.
/// </summary>
[Collection(nameof(FloodTests))]
public sealed class FloodTests(ITestOutputHelper output) : IDisposable
{
    private static readonly NodeId HubId = new(900), ClinicId = new(11);
    private readonly X509Certificate2 _ca = ZamPki.CreateAuthority("flood-test");
    private readonly TempDirectory _dir = new("flood");
    private readonly List<Socket> _sockets = new();

    public void Dispose()
    {
        foreach (var socket in _sockets) socket.Dispose();
        _ca.Dispose();
        _dir.Dispose();
    }

    private TlsOptions Tls(NodeId node, NodeRole role) => new() { Certificate = ZamPki.IssueCertificate(_ca, node, role), Authority = _ca };

    /// <summary>A connected socket from <c>127.0.0.<paramref name="host"/></c> that sends nothing.</summary>
    private async Task<Socket> SilentAsync(IPEndPoint target, int host)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _sockets.Add(socket);
        socket.Bind(new IPEndPoint(IPAddress.Parse($"127.0.0.{host}"), 0));
        await socket.ConnectAsync(target);
        return socket;
    }

    /// <summary>Waits for the listener to close <paramref name="socket"/>; fails if that takes longer than <paramref name="within"/>.</summary>
    private static async Task AssertClosedWithinAsync(Socket socket, TimeSpan within)
    {
        using var deadline = new CancellationTokenSource(within);
        int read;
        try { read = await socket.ReceiveAsync(new byte[1], SocketFlags.None, deadline.Token); }
        catch (SocketException) { read = 0; } // a reset is a close too
        catch (OperationCanceledException) { throw new Xunit.Sdk.XunitException($"the listener kept the silent connection from {socket.LocalEndPoint} open for {within}"); }
        Assert.Equal(0, read);
    }

    /// <summary>Still open: nothing readable, so no end of stream yet.</summary>
    private static bool IsOpen(Socket socket) => !socket.Poll(0, SelectMode.SelectRead);

    [Fact]
    public async Task A_flood_of_silent_connections_does_not_keep_a_clinic_from_syncing_within_its_normal_deadlines()
    {
        const int flood = 400, addresses = 5;
        await using var engine = await Nodes.OpenAsync(_dir.Sub("hub"), HubId.Value);
        // Default limits and deadlines: only the listen address and TLS are set.
        await using var hub = new ZamHub(engine, new ZamHubOptions { Listen = "127.0.0.1:0", Transport = new TcpTransportOptions { Tls = Tls(HubId, NodeRole.Hub) } });
        await hub.StartAsync();

        await Task.WhenAll(Enumerable.Range(0, flood).Select(i => SilentAsync(hub.LocalEndPoint, 2 + i % addresses)));

        await using var clinic = await Nodes.OpenAsync(_dir.Sub("clinic"), ClinicId.Value);
        await Nodes.SubmitManyAsync(clinic, 10, "under-flood");
        var clock = Stopwatch.StartNew();
        // The clinic's own deadlines (TLS handshake 15 s, sync handshake 30 s) are the bound: no extra patience.
        await using (var link = await TcpTransport.ConnectAsync(HubId, hub.LocalEndPoint.ToString(), new TcpTransportOptions { Tls = Tls(ClinicId, NodeRole.Node) }))
        {
            var stats = await clinic.CreateSession(link).SyncAsync(HubId);
            Assert.Equal(10, stats.EventsSent);
        }
        output.WriteLine($"clinic synced in {clock.ElapsedMilliseconds} ms under a flood of {flood} silent connections from {addresses} addresses");
        Assert.Equal(10, engine.Read(s => s.Count));
        // The listener went through the whole backlog before the clinic: the flood beyond the per-address bound was refused.
        Assert.True(hub.RejectedConnections >= flood - addresses * 8, $"{hub.RejectedConnections} rejected");
    }

    [Fact]
    public async Task Past_half_its_handshake_bound_the_listener_closes_an_address_over_its_own_bound_at_once_and_counts_it()
    {
        using var metrics = new ZamMetrics();
        using var rejected = new RejectionRecorder(metrics);
        await using var hubEngine = await Nodes.OpenAsync(_dir.Sub("hub"), HubId.Value);
        await using var clinic = await Nodes.OpenAsync(_dir.Sub("clinic"), ClinicId.Value);
        // Long deadlines, so any connection that is closed was refused and not timed out.
        await using var listener = TcpTransport.Bind("127.0.0.1:0", new TcpTransportOptions
        {
            MaxPendingConnections = 8, MaxPendingConnectionsPerAddress = 2, Metrics = metrics,
            FirstMessageTimeout = TimeSpan.FromSeconds(60), FirstMessageTimeoutUnderPressure = TimeSpan.FromSeconds(60),
        });

        // Up to half the bound (4), one address may take them all: a quiet hub refuses nobody for its address.
        var held = new List<Socket>();
        for (int i = 0; i < 4; i++) held.Add(await SilentAsync(listener.LocalEndPoint, 2));
        // Past half, that address is over its bound of 2: closed at once, long before its 60 s deadline.
        var over = await SilentAsync(listener.LocalEndPoint, 2);
        await AssertClosedWithinAsync(over, TimeSpan.FromSeconds(20));
        // Another address still gets its 2, and no more.
        held.Add(await SilentAsync(listener.LocalEndPoint, 3));
        held.Add(await SilentAsync(listener.LocalEndPoint, 3));
        var overToo = await SilentAsync(listener.LocalEndPoint, 3);
        await AssertClosedWithinAsync(overToo, TimeSpan.FromSeconds(20));

        Assert.Equal(2, listener.RejectedConnections);
        Assert.Equal([("address_limit", 2L)], rejected.Snapshot());
        Assert.All(held, s => Assert.True(IsOpen(s), $"{s.LocalEndPoint} was closed"));

        // A clinic from its own address takes the last slot and is served as usual.
        var serving = Task.Run(async () =>
        {
            await using var peer = await listener.AcceptSplitAsync();
            return await hubEngine.CreateSession(peer).ServeOneAsync(peer.PeerId);
        });
        await using (var link = await TcpTransport.ConnectAsync(HubId, listener.LocalEndPoint.ToString()))
            await clinic.CreateSession(link).SyncAsync(HubId);
        await serving;
        Assert.Equal(2, listener.RejectedConnections);
    }

    [Theory]
    [InlineData(nameof(TcpTransportOptions.MaxPendingConnectionsPerAddress))]
    [InlineData(nameof(TcpTransportOptions.FirstMessageTimeoutUnderPressure))]
    [InlineData(nameof(TcpTransportOptions.MaxPendingConnections))]
    public async Task Listener_options_out_of_range_are_refused_naming_the_option(string option)
    {
        var options = option switch
        {
            nameof(TcpTransportOptions.MaxPendingConnectionsPerAddress) => new TcpTransportOptions { MaxPendingConnectionsPerAddress = 0 },
            nameof(TcpTransportOptions.FirstMessageTimeoutUnderPressure) => new TcpTransportOptions { FirstMessageTimeoutUnderPressure = TimeSpan.Zero },
            _ => new TcpTransportOptions { MaxPendingConnections = 0 },
        };
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => TcpTransport.Bind("127.0.0.1:0", options));
        Assert.Equal(option, error.ParamName);
        await using var engine = await Nodes.OpenAsync(_dir.Sub("hub"), HubId.Value);
        Assert.Equal(option, Assert.Throws<ArgumentOutOfRangeException>(() => new ZamHub(engine, new ZamHubOptions { Transport = options })).ParamName);
    }

    [Fact]
    public async Task Past_half_the_handshake_bound_new_connections_get_the_shorter_deadline_but_known_peers_do_not()
    {
        await using var hubEngine = await Nodes.OpenAsync(_dir.Sub("hub"), HubId.Value);
        await using var clinic = await Nodes.OpenAsync(_dir.Sub("clinic"), ClinicId.Value);
        await using var listener = TcpTransport.Bind("127.0.0.1:0", new TcpTransportOptions { MaxPendingConnections = 4, FirstMessageTimeout = TimeSpan.FromSeconds(60) });

        // 127.0.0.1 becomes a known peer by completing a handshake.
        var serving = Task.Run(async () =>
        {
            await using var peer = await listener.AcceptSplitAsync();
            return await hubEngine.CreateSession(peer).ServeOneAsync(peer.PeerId);
        });
        await using (var link = await TcpTransport.ConnectAsync(HubId, listener.LocalEndPoint.ToString()))
            await clinic.CreateSession(link).SyncAsync(HubId);
        await serving;

        // Two in handshake: half the bound, no pressure yet. The shorter deadline is the default 3 s.
        var first = await SilentAsync(listener.LocalEndPoint, 2);
        var second = await SilentAsync(listener.LocalEndPoint, 3);
        // Past half: a known peer keeps the full deadline, an unknown one gets the shorter one.
        var known = await SilentAsync(listener.LocalEndPoint, 1);
        var unknown = await SilentAsync(listener.LocalEndPoint, 4);

        await AssertClosedWithinAsync(unknown, TimeSpan.FromSeconds(30)); // half its normal 60 s
        Assert.True(IsOpen(known));
        Assert.True(IsOpen(first));
        Assert.True(IsOpen(second));
        Assert.Equal(1, listener.RejectedConnections);
    }

    /// <summary>What <c>zamsync.connections.rejected</c> counted on one engine's metrics, by reason.</summary>
    private sealed class RejectionRecorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, long> _byReason = new();

        public RejectionRecorder(ZamMetrics metrics)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (metrics.Owns(instrument) && instrument.Name == ZamMetrics.Instruments.ConnectionsRejected) listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                string reason = "?";
                foreach (var tag in tags) if (tag.Key == "reason") reason = tag.Value as string ?? "?";
                lock (_byReason) _byReason[reason] = _byReason.GetValueOrDefault(reason) + value;
            });
            _listener.Start();
        }

        public (string Reason, long Count)[] Snapshot()
        {
            lock (_byReason) return _byReason.OrderBy(p => p.Key).Select(p => (p.Key, p.Value)).ToArray();
        }

        public void Dispose() => _listener.Dispose();
    }
}

/// <summary>The flood tests run on their own, not alongside other collections.</summary>
[CollectionDefinition(nameof(FloodTests), DisableParallelization = true)]
public sealed class FloodTestsCollection;

using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using ZamSync.Net.Tcp;
using ZamSync.Net.Tls;
using ZamSync.Sync;
using ZamSync.Tests.Support;

namespace ZamSync.Net.Tests.Tls;

public sealed class MutualTlsTests : IDisposable
{
    private static readonly NodeId HubId = new(100), ClinicId = new(7), OtherClinicId = new(8);
    private readonly X509Certificate2 _ca = ZamPki.CreateAuthority("district-test");
    private readonly TempDirectory _dir = new();

    public void Dispose()
    {
        _ca.Dispose();
        _dir.Dispose();
    }

    private TlsOptions Tls(NodeId node, NodeRole role, X509Certificate2? authority = null, IReadOnlySet<string>? revoked = null) => new()
    {
        Certificate = ZamPki.IssueCertificate(authority ?? _ca, node, role),
        Authority = _ca,
        RevokedSerials = revoked ?? new HashSet<string>(),
        HandshakeTimeout = TimeSpan.FromSeconds(5),
    };

    /// <summary>A hub listening with TLS and serving every accepted session; returns what it served.</summary>
    private sealed class Hub : IAsyncDisposable
    {
        public required ZamEngine<LedgerState> Engine { get; init; }
        public required TcpTransport Listener { get; init; }
        public List<SyncStats> Served { get; } = new();
        public List<bool> Proven { get; } = new();
        public Task? Loop { get; set; }

        public async ValueTask DisposeAsync()
        {
            await Listener.DisposeAsync();
            if (Loop is not null) await Loop;
            await Engine.DisposeAsync();
        }
    }

    private async Task<Hub> StartHubAsync(TlsOptions tls, AccessPolicy policy = AccessPolicy.All)
    {
        var engine = await Nodes.OpenAsync(_dir.Sub("hub-" + Guid.NewGuid().ToString("N")[..6]), HubId.Value);
        var listener = TcpTransport.Bind("127.0.0.1:0", new TcpTransportOptions { Tls = tls, FirstMessageTimeout = TimeSpan.FromSeconds(5) });
        var hub = new Hub { Engine = engine, Listener = listener };
        hub.Loop = Task.Run(async () =>
        {
            while (true)
            {
                TcpPeerTransport peer;
                try { peer = await listener.AcceptSplitAsync(); }
                catch (ObjectDisposedException) { return; }
                await using (peer)
                {
                    lock (hub.Proven) hub.Proven.Add(peer.IdentityProven);
                    try
                    {
                        var stats = await engine.CreateSession(peer).WithAccessPolicy(policy).ServeOneAsync(peer.PeerId);
                        lock (hub.Served) hub.Served.Add(stats);
                    }
                    catch (Exception ex) when (ex is IOException or ZamException) { }
                }
            }
        });
        return hub;
    }

    private async Task<SyncStats> SyncAsync(ZamEngine clinic, Hub hub, TlsOptions? tls)
    {
        await using var link = await TcpTransport.ConnectAsync(HubId, hub.Listener.LocalEndPoint.ToString(), new TcpTransportOptions { Tls = tls });
        return await clinic.CreateSession(link).WithOptions(new SyncOptions { HandshakeTimeout = TimeSpan.FromSeconds(5), IdleTimeout = TimeSpan.FromSeconds(5) }).SyncAsync(HubId);
    }

    private static async Task<Exception> AssertRefusedAsync(Func<Task> action)
    {
        var ex = await Record.ExceptionAsync(action);
        Assert.NotNull(ex);
        Assert.True(ex is IOException or ZamException, $"expected a refusal, got {ex}");
        return ex;
    }

    [Fact]
    public async Task A_node_with_a_certificate_from_the_deployment_CA_syncs_with_proven_identity()
    {
        await using var hub = await StartHubAsync(Tls(HubId, NodeRole.Hub));
        await using var clinic = await Nodes.OpenAsync(_dir.Sub("clinic"), ClinicId.Value);
        await Nodes.SubmitManyAsync(clinic, 10, "tls");
        var stats = await SyncAsync(clinic, hub, Tls(ClinicId, NodeRole.Node));
        Assert.Equal(10, stats.EventsSent);
        Assert.Equal(10, hub.Engine.Read(s => s.Count));
        Assert.Equal([true], hub.Proven);
    }

    [Fact]
    public async Task A_certificate_from_another_CA_is_refused()
    {
        await using var hub = await StartHubAsync(Tls(HubId, NodeRole.Hub));
        await using var clinic = await Nodes.OpenAsync(_dir.Sub("clinic"), ClinicId.Value);
        using var foreignCa = ZamPki.CreateAuthority("someone-else");
        var foreign = Tls(ClinicId, NodeRole.Node, authority: foreignCa);
        await AssertRefusedAsync(() => SyncAsync(clinic, hub, foreign));
        Assert.Empty(hub.Served);
    }

    [Fact]
    public async Task An_expired_certificate_is_refused()
    {
        await using var hub = await StartHubAsync(Tls(HubId, NodeRole.Hub));
        await using var clinic = await Nodes.OpenAsync(_dir.Sub("clinic"), ClinicId.Value);
        var expired = new TlsOptions
        {
            Certificate = ZamPki.IssueCertificate(_ca, ClinicId, NodeRole.Node, TimeSpan.FromDays(1), notBefore: DateTimeOffset.UtcNow.AddDays(-3)),
            Authority = _ca,
        };
        await AssertRefusedAsync(() => SyncAsync(clinic, hub, expired));
        Assert.Empty(hub.Served);
    }

    [Fact]
    public async Task A_revoked_certificate_is_refused()
    {
        var clinicTls = Tls(ClinicId, NodeRole.Node);
        var hubTls = Tls(HubId, NodeRole.Hub, revoked: new HashSet<string>(StringComparer.OrdinalIgnoreCase) { clinicTls.Certificate.SerialNumber });
        await using var hub = await StartHubAsync(hubTls);
        await using var clinic = await Nodes.OpenAsync(_dir.Sub("clinic"), ClinicId.Value);
        await AssertRefusedAsync(() => SyncAsync(clinic, hub, clinicTls));
        Assert.Empty(hub.Served);
    }

    [Fact]
    public async Task A_client_without_a_certificate_is_refused()
    {
        await using var hub = await StartHubAsync(Tls(HubId, NodeRole.Hub));
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(hub.Listener.LocalEndPoint);
        await using var ssl = new SslStream(new NetworkStream(socket), false);
        await AssertRefusedAsync(async () =>
        {
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "zamsync-hub", RemoteCertificateValidationCallback = (_, _, _, _) => true });
            await ssl.WriteAsync(new byte[] { 0, 0, 0, 2, 0, 1 });
            var buffer = new byte[16];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            if (await ssl.ReadAsync(buffer, timeout.Token) == 0) throw new IOException("closed by the hub");
        });
        Assert.Empty(hub.Served);
    }

    [Fact]
    public async Task Plain_TCP_to_a_TLS_hub_is_refused()
    {
        await using var hub = await StartHubAsync(Tls(HubId, NodeRole.Hub));
        await using var clinic = await Nodes.OpenAsync(_dir.Sub("clinic"), ClinicId.Value);
        await AssertRefusedAsync(() => SyncAsync(clinic, hub, tls: null));
        Assert.Empty(hub.Served);
    }

    [Fact]
    public async Task A_node_cannot_claim_another_nodes_id()
    {
        await using var hub = await StartHubAsync(Tls(HubId, NodeRole.Hub));
        await using var impostor = await Nodes.OpenAsync(_dir.Sub("impostor"), OtherClinicId.Value);
        var ex = await AssertRefusedAsync(() => SyncAsync(impostor, hub, Tls(ClinicId, NodeRole.Node)));
        Assert.Contains($"certificate is for node {ClinicId}", ex.Message);
        Assert.Empty(hub.Served);
    }

    [Fact]
    public async Task A_coordinator_certificate_reads_the_HTTP_API_but_cannot_sync()
    {
        await using var hub = await StartHubAsync(Tls(HubId, NodeRole.Hub));
        await using var clinic = await Nodes.OpenAsync(_dir.Sub("clinic"), ClinicId.Value);
        await AssertRefusedAsync(() => SyncAsync(clinic, hub, Tls(ClinicId, NodeRole.Coordinator)));
        Assert.Empty(hub.Served);
    }

    [Fact]
    public async Task A_node_certificate_cannot_act_as_the_hub()
    {
        await using var hub = await StartHubAsync(Tls(HubId, NodeRole.Node));
        await using var clinic = await Nodes.OpenAsync(_dir.Sub("clinic"), ClinicId.Value);
        var ex = await AssertRefusedAsync(() => SyncAsync(clinic, hub, Tls(ClinicId, NodeRole.Node)));
        Assert.Equal(RefuseReason.CertificateRefused, Assert.IsType<SyncRefusedException>(ex).Reason);
        Assert.Empty(hub.Served);
    }

    [Fact]
    public async Task OwnOnly_under_TLS_isolates_tenants_whatever_a_clinic_claims()
    {
        await using var hub = await StartHubAsync(Tls(HubId, NodeRole.Hub), AccessPolicy.OwnOnly);
        await using (var other = await Nodes.OpenAsync(_dir.Sub("other"), OtherClinicId.Value))
        {
            await Nodes.SubmitManyAsync(other, 5, "other-tenant");
            await SyncAsync(other, hub, Tls(OtherClinicId, NodeRole.Node));
        }
        await using var clinic = await Nodes.OpenAsync(_dir.Sub("clinic"), ClinicId.Value);
        await Nodes.SubmitManyAsync(clinic, 3, "mine");
        await SyncAsync(clinic, hub, Tls(ClinicId, NodeRole.Node));
        Assert.Equal(8, hub.Engine.Read(s => s.Count));
        Assert.Equal(0UL, clinic.Known[OtherClinicId]);
        Assert.Equal(3, clinic.Read(s => s.Count));

        // Claiming the other tenant's id with our certificate gets nothing either.
        await using var thief = await Nodes.OpenAsync(_dir.Sub("thief"), OtherClinicId.Value);
        await AssertRefusedAsync(() => SyncAsync(thief, hub, Tls(ClinicId, NodeRole.Node)));
        Assert.Equal(0, thief.Read(s => s.Count));
    }
}

using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using ZamSync.Net.Hub;
using ZamSync.Net.Tcp;
using ZamSync.Net.Tls;
using ZamSync.Sync;
using ZamSync.Tests.Support;

namespace ZamSync.Net.Tests.Hub;

/// <summary>
/// A hub says on its log why it refused a connection, once a connection: a clinic from another deployment (a
/// certificate from another CA), a revoked certificate, a node claiming another's id. Each line names the address,
/// the reason and who the peer claimed to be.
/// </summary>
public sealed class RefusalLoggingTests : IDisposable
{
    private const int RefusedConnection = 10;
    private static readonly NodeId HubId = new(300), ClinicId = new(31), OtherClinicId = new(32);
    private readonly X509Certificate2 _ca = ZamPki.CreateAuthority("refusal-log-test");
    private readonly TempDirectory _dir = new();

    public void Dispose()
    {
        _ca.Dispose();
        _dir.Dispose();
    }

    private TlsOptions Tls(NodeId node, NodeRole role, X509Certificate2? issuer = null, IReadOnlySet<string>? revoked = null) => new()
    {
        Certificate = ZamPki.IssueCertificate(issuer ?? _ca, node, role),
        Authority = _ca,
        RevokedSerials = revoked ?? new HashSet<string>(),
        HandshakeTimeout = TimeSpan.FromSeconds(5),
    };

    private async Task<(ZamEngine Engine, ZamHub Hub)> StartHubAsync(CapturingLoggerFactory logs, TlsOptions tls)
    {
        // No logger of its own: the hub logs through its engine's LoggerFactory.
        var engine = await Nodes.OpenAsync(_dir.Sub("hub"), HubId.Value, new ZamEngineOptions { LoggerFactory = logs });
        var hub = new ZamHub(engine, new ZamHubOptions { Listen = "127.0.0.1:0", Transport = new TcpTransportOptions { Tls = tls } });
        await hub.StartAsync();
        return (engine, hub);
    }

    private static async Task<Exception?> TrySyncAsync(ZamEngine clinic, ZamHub hub, TlsOptions tls)
    {
        try
        {
            await using var link = await TcpTransport.ConnectAsync(HubId, hub.LocalEndPoint.ToString(), new TcpTransportOptions { Tls = tls });
            await clinic.CreateSession(link).WithOptions(new SyncOptions { HandshakeTimeout = TimeSpan.FromSeconds(10), IdleTimeout = TimeSpan.FromSeconds(10) }).SyncAsync(HubId);
            return null;
        }
        catch (Exception ex) when (ex is IOException or ZamException)
        {
            return ex;
        }
    }

    /// <summary>
    /// Refuses one connection, then syncs a good clinic through the same hub, so every line the refusal could cause
    /// has been written before the lines are counted.
    /// </summary>
    private async Task<LogLine> RefusedLineAsync(TlsOptions hubTls, ulong clinicId, TlsOptions clinicTls)
    {
        var logs = new CapturingLoggerFactory();
        var (engine, hub) = await StartHubAsync(logs, hubTls);
        await using (engine)
        await using (hub)
        {
            await using var clinic = await Nodes.OpenAsync(_dir.Sub("clinic-" + clinicId), clinicId);
            var refused = logs.WaitForAsync(l => l.EventId.Id == RefusedConnection);
            Assert.NotNull(await TrySyncAsync(clinic, hub, clinicTls));
            await refused;
            await using var good = await Nodes.OpenAsync(_dir.Sub("good"), 33);
            var served = logs.WaitForAsync(l => l.EventId.Id == 400 && (string?)l.Values["Role"] == "responder"); // the hub's session completed
            Assert.Null(await TrySyncAsync(good, hub, Tls(new NodeId(33), NodeRole.Node)));
            await served;
            // The engine logged the session (id 400), so the hub did not log it a second time (its ids 2 and 3).
            Assert.DoesNotContain(logs.Lines, l => l.Category == typeof(ZamHub).FullName && l.EventId.Id is 2 or 3);
            Assert.Equal(1, hub.RejectedConnections);
            var warnings = logs.Lines.Where(l => l.Level >= LogLevel.Warning).ToList();
            var line = Assert.Single(warnings);
            Assert.Equal(RefusedConnection, line.EventId.Id);
            Assert.Contains("127.0.0.1", line.Message, StringComparison.Ordinal);
            return line;
        }
    }

    [Fact]
    public async Task A_clinic_from_another_deployment_is_one_warning_naming_its_address_the_foreign_CA_and_its_claim()
    {
        using var foreignCa = ZamPki.CreateAuthority("another-district");
        var line = await RefusedLineAsync(Tls(HubId, NodeRole.Hub), ClinicId.Value, Tls(ClinicId, NodeRole.Node, issuer: foreignCa));

        Assert.Equal("tls", line.Values["Reason"]);
        Assert.Contains("not issued by this node's deployment CA", line.Message, StringComparison.Ordinal);
        Assert.Contains("another-district", line.Message, StringComparison.Ordinal);
        Assert.StartsWith($"node {ClinicId} as node", (string)line.Values["Claimed"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_revoked_certificate_is_one_warning_saying_so()
    {
        var clinicTls = Tls(ClinicId, NodeRole.Node);
        var hubTls = Tls(HubId, NodeRole.Hub, revoked: new HashSet<string>(StringComparer.OrdinalIgnoreCase) { clinicTls.Certificate.SerialNumber });
        var line = await RefusedLineAsync(hubTls, ClinicId.Value, clinicTls);

        Assert.Equal("tls", line.Values["Reason"]);
        Assert.Contains("is revoked", line.Message, StringComparison.Ordinal);
        Assert.Contains(clinicTls.Certificate.SerialNumber, (string)line.Values["Claimed"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_claiming_another_id_is_one_warning_naming_both_ids()
    {
        var line = await RefusedLineAsync(Tls(HubId, NodeRole.Hub), OtherClinicId.Value, Tls(ClinicId, NodeRole.Node));

        Assert.Equal("identity", line.Values["Reason"]);
        Assert.Equal($"node {OtherClinicId} in its handshake, with the certificate of node {ClinicId}", line.Values["Claimed"]);
    }
}

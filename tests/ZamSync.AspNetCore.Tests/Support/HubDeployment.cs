using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ZamSync.Net.Hub;
using ZamSync.Net.Tcp;
using ZamSync.Net.Tls;
using ZamSync.Sync;
using ZamSync.Tests.Support;

namespace ZamSync.AspNetCore.Tests.Support;

/// <summary>
/// A real hub as <c>serve --http</c> runs it: a <see cref="ZamHub"/> with mutual TLS on a loopback port, and in the
/// same host the API and dashboard over plain HTTP on another, both over the one engine. Clinics 11 and 12 sync with
/// it over TCP; the hub quarantines any event whose payload starts with <c>bad</c>.
/// </summary>
public sealed class HubDeployment : IAsyncDisposable
{
    public static readonly NodeId HubId = new(1), ClinicA = new(11), ClinicB = new(12);
    public const string CoordinatorToken = "coordinator-token-0123456789", ClinicAToken = "clinic-a-token-0123456789";

    private readonly TempDirectory _dir = new("hub-web");
    private readonly Dictionary<NodeId, ZamEngine<LedgerState>> _clinics = [];
    private WebApplication _app = null!;

    private HubDeployment() { }

    public ApiPki Pki { get; } = new();
    public ZamEngine<LedgerState> Hub { get; private set; } = null!;
    public ZamHub Server { get; private set; } = null!;
    public Uri Address { get; private set; } = null!;
    public string Directory => _dir.Path;

    private sealed class RefuseBad : IEventValidator
    {
        public string? Validate(in EventEnvelope envelope) =>
            Encoding.UTF8.GetString(envelope.Payload.Span).StartsWith("bad", StringComparison.Ordinal) ? "payload 'bad…' does not fit the hub's schema" : null;
    }

    public static async Task<HubDeployment> StartAsync(long? budgetBytesPerDay = 20_000, AccessPolicy policy = AccessPolicy.All, TimeProvider? time = null)
    {
        var d = new HubDeployment();
        d.Hub = await Nodes.OpenAsync(d._dir.Sub("hub"), HubId.Value, new ZamEngineOptions { Validator = new RefuseBad() });
        var hubTls = d.Pki.Hub(HubId);
        d.Server = new ZamHub(d.Hub, new ZamHubOptions { Listen = "127.0.0.1:0", Transport = new TcpTransportOptions { Tls = hubTls }, AccessPolicy = policy });
        await d.Server.StartAsync();

        var tokens = TokenFiles.Write(d._dir.Sub("secrets"), $"{CoordinatorToken} coordinator\n{ClinicAToken} node {ClinicA}\n");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("ZAMSYNC_TEST_LOG") is not null) builder.Logging.AddConsole();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        if (time is not null) builder.Services.AddSingleton(time);
        builder.Services.AddSingleton<ZamEngine>(d.Hub);
        builder.Services.AddSingleton(d.Server);
        builder.Services.AddZamSyncApi(new ZamSyncApiOptions { TokenFile = tokens, Tls = hubTls, AccessPolicy = policy, LinkBudgetBytesPerDay = budgetBytesPerDay });
        d._app = builder.Build();
        d._app.MapZamSync();
        d._app.MapZamSyncDashboard();
        await d._app.StartAsync();
        d.Address = new Uri(d._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single() + "/");
        return d;
    }

    /// <summary>The clinic's engine, opened on first use (kept open until the deployment is disposed).</summary>
    public async Task<ZamEngine<LedgerState>> ClinicAsync(NodeId clinic)
    {
        if (!_clinics.TryGetValue(clinic, out var engine))
            _clinics[clinic] = engine = await Nodes.OpenAsync(_dir.Sub($"clinic-{clinic}"), clinic.Value);
        return engine;
    }

    /// <summary>
    /// Records <paramref name="payloads"/> on the clinic, then syncs it with the hub over mutual TLS, and returns once the
    /// hub has recorded the session in its peer table too (the hub's side ends a moment after the clinic's), so what
    /// the API and the dashboard show next includes it.
    /// </summary>
    public async Task<SyncStats> SubmitAndSyncAsync(NodeId clinic, params string[] payloads)
    {
        var engine = await ClinicAsync(clinic);
        foreach (var payload in payloads) await engine.SubmitAsync(1, Encoding.UTF8.GetBytes(payload));
        var recorded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnEnded(PeerStatus status) { if (status.Peer == clinic) recorded.TrySetResult(); }
        Server.SessionEnded += OnEnded;
        try
        {
            SyncStats stats;
            await using (var connection = await TcpTransport.ConnectAsync(HubId, Server.LocalEndPoint.ToString(),
                new TcpTransportOptions { Tls = new TlsOptions { Certificate = Pki.Issue(clinic, NodeRole.Node), Authority = Pki.Authority } }))
                stats = await engine.CreateSession(connection).SyncAsync(HubId);
            await recorded.Task.WaitAsync(TimeSpan.FromSeconds(30));
            return stats;
        }
        finally
        {
            Server.SessionEnded -= OnEnded;
        }
    }

    public HttpClient Client(string? token = CoordinatorToken)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null) client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Server.DisposeAsync();
        foreach (var clinic in _clinics.Values) await clinic.DisposeAsync();
        await Hub.DisposeAsync();
        Pki.Dispose();
        _dir.Dispose();
    }
}

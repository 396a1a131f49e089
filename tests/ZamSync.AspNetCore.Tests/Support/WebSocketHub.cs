using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ZamSync.Net.Hub;
using ZamSync.Net.Tcp;
using ZamSync.Net.Tls;
using ZamSync.Net.WebSockets;
using ZamSync.Sync;
using ZamSync.Tests.Support;

namespace ZamSync.AspNetCore.Tests.Support;

/// <summary>
/// A hub whose web host serves <c>MapZamSyncWebSocket("/sync")</c> over HTTPS with the deployment's certificates
/// (real Kestrel on a loopback port), beside its TCP listener, over one engine. Token <see cref="ClinicToken"/> is
/// bound to clinic 11; <see cref="CoordinatorToken"/> reads but cannot sync.
/// </summary>
public sealed class WebSocketHub : IAsyncDisposable
{
    public static readonly NodeId HubId = new(1);
    public const string CoordinatorToken = "coordinator-token-0123456789", ClinicToken = "clinic-11-token-0123456789";

    private readonly TempDirectory _dir = new("hub-ws");
    private readonly List<IAsyncDisposable> _owned = [];
    private WebApplication _app = null!;

    public ApiPki Pki { get; } = new();
    public ZamEngine<LedgerState> Hub { get; private set; } = null!;
    public ZamHub Server { get; private set; } = null!;
    public IPEndPoint Endpoint { get; private set; } = null!;
    public Uri SyncAddress => new($"wss://127.0.0.1:{Endpoint.Port}/sync");

    public static async Task<WebSocketHub> StartAsync(long? maxBytesPerSession = null)
    {
        var d = new WebSocketHub();
        d.Hub = await Nodes.OpenAsync(d._dir.Sub("hub"), HubId.Value);
        var hubTls = d.Pki.Hub(HubId);
        d.Server = new ZamHub(d.Hub, new ZamHubOptions
        {
            Listen = "127.0.0.1:0",
            Transport = new TcpTransportOptions { Tls = hubTls },
            MaxBytesPerSession = maxBytesPerSession,
        });
        await d.Server.StartAsync();
        var tokens = TokenFiles.Write(d._dir.Sub("secrets"), $"{CoordinatorToken} coordinator\n{ClinicToken} node 11\n");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("ZAMSYNC_TEST_LOG") is not null) builder.Logging.AddConsole();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseZamSyncTls(hubTls)));
        builder.Services.AddSingleton<ZamEngine>(d.Hub);
        builder.Services.AddSingleton(d.Server);
        builder.Services.AddZamSyncApi(new ZamSyncApiOptions { TokenFile = tokens, Tls = hubTls });
        d._app = builder.Build();
        d._app.UseWebSockets();
        d._app.MapZamSyncWebSocket("/sync");
        await d._app.StartAsync();
        var address = new Uri(d._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        d.Endpoint = new IPEndPoint(IPAddress.Loopback, address.Port);
        return d;
    }

    public async Task<ZamEngine<LedgerState>> OpenClinicAsync(ulong id)
    {
        var engine = await Nodes.OpenAsync(_dir.Sub($"clinic-{id}"), id);
        _owned.Add(engine);
        return engine;
    }

    /// <summary>The clinic's certificate and the CA, for a WebSocket proven by certificate.</summary>
    public WebSocketTransportOptions CertificateOptions(NodeId clinic) =>
        new() { Tls = new TlsOptions { Certificate = Pki.Issue(clinic, NodeRole.Node), Authority = Pki.Authority } };

    /// <summary>A token and the CA only: the node is proven by the token's binding in the hub's token file.</summary>
    public WebSocketTransportOptions TokenOptions(string token) => new() { Token = token, Authority = Pki.Authority };

    /// <summary>One sync of <paramref name="clinic"/> with the hub over WebSocket, through <paramref name="address"/> (the hub, or a link in front of it).</summary>
    public async Task<SyncStats> SyncAsync(ZamEngine clinic, WebSocketTransportOptions options, Uri? address = null, long? maxBytes = null)
    {
        await using var transport = await WebSocketTransport.ConnectAsync(address ?? SyncAddress, HubId, options);
        var session = clinic.CreateSession(transport);
        if (maxBytes is { } cap) session.WithMaxBytes(cap);
        var stats = await session.SyncAsync(HubId);
        Assert.True(transport.BytesSent <= (maxBytes ?? long.MaxValue), $"sent {transport.BytesSent} B over a cap of {maxBytes} B");
        return stats;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Server.DisposeAsync();
        foreach (var owned in _owned) await owned.DisposeAsync();
        await Hub.DisposeAsync();
        Pki.Dispose();
        _dir.Dispose();
    }
}

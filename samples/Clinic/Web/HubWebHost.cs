using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ZamSync;
using ZamSync.AspNetCore;
using ZamSync.Net.Hub;
using ZamSync.Net.Tls;
using ZamSync.Sync;

namespace Clinic.Web;

/// <summary>
/// The hub's HTTP API and dashboard (<c>serve --http</c>, the demo), in the hub's own process over the engine and hub
/// it already runs: they are registered as instances, so the web host neither opens a second engine nor disposes the
/// one <c>serve</c> owns.
/// </summary>
internal sealed class HubWebHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HubWebHost(WebApplication app, Uri address, string tokenFile)
    {
        _app = app;
        Address = address;
        TokenFile = tokenFile;
    }

    /// <summary>The bearer token file the API reads.</summary>
    public string TokenFile { get; }

    /// <summary>The root the host answers on (the actual port when 0 was asked for).</summary>
    public Uri Address { get; }

    /// <summary>The dashboard's page.</summary>
    public Uri Dashboard => new(Address, "dashboard/");

    public sealed record Settings(WebEndpoint Endpoint, string TokenFile, TlsOptions Tls, AccessPolicy AccessPolicy, ILoggerProvider Log)
    {
        /// <summary>The daily byte budget each clinic's link is meant to keep to, drawn on the dashboard (null: none).</summary>
        public long? ClinicBytesPerDay { get; init; }
    }

    public static async Task<HubWebHost> StartAsync(ZamEngine engine, ZamHub hub, Settings settings, CancellationToken cancellationToken)
    {
        // Not CreateBuilder: no appsettings, no environment-chosen URLs; the command line alone says where to listen.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ApplicationName = "Clinic" });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(settings.Log);
        // A failed start is reported once, as the command's own error line, not also as the host's log entry.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(settings.Endpoint.EndPoint, listen =>
            {
                if (settings.Endpoint.Tls) listen.UseZamSyncTls(settings.Tls);
            });
        });
        builder.Services.AddSingleton(engine);
        builder.Services.AddSingleton(hub);
        builder.Services.AddZamSyncApi(new ZamSyncApiOptions
        {
            TokenFile = settings.TokenFile,
            Tls = settings.Tls,
            AccessPolicy = settings.AccessPolicy,
            LinkBudgetBytesPerDay = settings.ClinicBytesPerDay,
        });
        var app = builder.Build();
        app.MapZamSync();
        app.MapZamSyncDashboard();
        // Sync over WebSocket for clinics behind proxies that pass only HTTPS: wss://host:port/sync (needs --https,
        // since a node refuses ws://; served through the hub above, so its policy and limits hold).
        app.UseWebSockets();
        app.MapZamSyncWebSocket("/sync");
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            await app.DisposeAsync();
            throw new Node.UserError(Describe(ex, settings), ex);
        }
        string bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new HubWebHost(app, new Uri(bound.EndsWith('/') ? bound : bound + "/"), settings.TokenFile);
    }

    private static string Describe(Exception ex, Settings settings)
    {
        string scheme = settings.Endpoint.Tls ? "--https" : "--http";
        for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
            if (inner is System.Net.Sockets.SocketException socket)
                return Commands.NetworkErrors.DescribeListen(socket, $"{settings.Endpoint.EndPoint} ({scheme})");
        return ex is IOException ? $"cannot serve {scheme} {settings.Endpoint.EndPoint}: {ex.Message}" : ex.Message;
    }

    public async ValueTask DisposeAsync()
    {
        // Open event streams end with the host; stopping waits for requests in flight, not for those streams.
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ZamSync.Net.Tls;

namespace ZamSync.AspNetCore.Tests.Support;

/// <summary>
/// A real Kestrel on 127.0.0.1 (a free port) serving <c>MapZamSync()</c> over HTTPS with the deployment's certificates,
/// for an engine the test opened (registered as the host's one engine).
/// </summary>
public sealed class ApiHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ApiPki _pki;

    private ApiHost(WebApplication app, ApiPki pki, Uri address)
    {
        _app = app;
        _pki = pki;
        Address = address;
    }

    public Uri Address { get; }

    public static WebApplication Build(ZamEngine engine, ApiPki pki, ZamSyncApiOptions options, TlsOptions serverTls)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseZamSyncTls(serverTls)));
        builder.Services.AddSingleton(engine);
        builder.Services.AddZamSyncApi(options);
        var app = builder.Build();
        app.MapZamSync();
        return app;
    }

    public static async Task<ApiHost> StartAsync(ZamEngine engine, ApiPki pki, ZamSyncApiOptions options, TlsOptions serverTls)
    {
        var app = Build(engine, pki, options, serverTls);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new ApiHost(app, pki, new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)));
    }

    /// <summary>A client that trusts this deployment's CA, presenting <paramref name="certificate"/> and/or a bearer token.</summary>
    public HttpClient Client(X509Certificate2? certificate = null, string? token = null)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = _pki.ServerValidation },
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        };
        if (certificate is not null) handler.SslOptions.ClientCertificates = new X509CertificateCollection { certificate };
        var client = new HttpClient(handler) { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Stops the host (disposing later stops nothing more).</summary>
    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ZamSync.Net.Hub;

/// <summary>
/// Runs a <see cref="ZamHub"/> for the lifetime of a .NET host. The hub is resolved when the host starts, not when the
/// hosted services are built: the engine it serves may be a hosted node's (<c>AddZamSyncNode</c>), which opens only
/// when the node's own hosted service starts, just before this one.
/// </summary>
internal sealed class ZamHubHostedService(IServiceProvider services) : IHostedService
{
    private ZamHub? _hub;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _hub = services.GetRequiredService<ZamHub>();
        return _hub.StartAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => _hub?.StopAsync(cancellationToken) ?? Task.CompletedTask;
}

using Microsoft.Extensions.Hosting;

namespace ZamSync.Net.Hub;

/// <summary>Runs a <see cref="ZamHub"/> for the lifetime of a .NET host.</summary>
internal sealed class ZamHubHostedService(ZamHub hub) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => hub.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => hub.StopAsync(cancellationToken);
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ZamSync.Net.Hub;

namespace ZamSync.AspNetCore.Status;

/// <summary>Subscribes <see cref="HubTraffic"/> to the host's hub, when it runs one, for the host's lifetime.</summary>
internal sealed class HubTrafficWatcher(IServiceProvider services, HubTraffic traffic) : IHostedService
{
    private ZamHub? _hub;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // The hub needs the engine; a hosted node's engine is open by now (its service starts first).
        try
        {
            _hub = services.GetService<ZamHub>();
        }
        catch (InvalidOperationException)
        {
            _hub = null;
        }
        if (_hub is not null) traffic.Watch(_hub);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (_hub is not null) traffic.Unwatch(_hub);
        return Task.CompletedTask;
    }
}

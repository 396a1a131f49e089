using Microsoft.Extensions.Hosting;
using ZamSync.Hosting.Control;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the local control endpoint of a hosted ZamSync node.</summary>
public static class ControlServiceCollectionExtensions
{
    /// <summary>
    /// Serves the node registered with <c>AddZamSyncNode</c> on a Unix domain socket in its data directory
    /// (<see cref="ControlEndpoint.DefaultSocketPath"/>), so that a command-line tool can submit events, read status and
    /// trigger a sync while the node owns the directory. Only the node's own user can connect (docs/hosting.md).
    /// </summary>
    public static IServiceCollection AddZamSyncControlEndpoint(this IServiceCollection services, Action<ControlEndpointOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<ControlEndpointOptions>();
        if (configure is not null) builder.Configure(configure);
        builder.Validate(o =>
        {
            o.Validate();
            return true;
        });
        services.AddSingleton<IHostedService, ControlHostedService>();
        return services;
    }
}

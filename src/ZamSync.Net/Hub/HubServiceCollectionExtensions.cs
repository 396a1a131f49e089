using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using ZamSync.Net.Hub;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers a ZamSync hub in a .NET host.</summary>
public static class HubServiceCollectionExtensions
{
    /// <summary>
    /// Adds a hub, started and stopped with the host, serving the <see cref="ZamSync.ZamEngine"/> registered in the
    /// container: a hosted node's (<c>services.AddZamSyncNode&lt;TState&gt;()</c> from ZamSync.Hosting, the usual way),
    /// or an engine you opened and registered yourself as a singleton (it is the single writer of its directory).
    /// With a hosted node, the hub starts after the node opened its engine and stops before the node closes it.
    /// </summary>
    public static IServiceCollection AddZamSyncHub(this IServiceCollection services, ZamHubOptions? options = null) =>
        services.AddZamSyncHub(_ => options ?? new ZamHubOptions());

    /// <summary>Adds a hub whose options come from the container (configuration, secrets for certificates).</summary>
    public static IServiceCollection AddZamSyncHub(this IServiceCollection services, Func<IServiceProvider, ZamHubOptions> options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        // Resolved when the host starts (ZamHubHostedService), so a hosted node's engine is open by then.
        services.TryAddSingleton(sp => new ZamHub(
            sp.GetRequiredService<ZamSync.ZamEngine>(),
            options(sp),
            sp.GetService<ILogger<ZamHub>>(),
            sp.GetService<TimeProvider>()));
        services.AddHostedService(sp => new ZamHubHostedService(sp));
        return services;
    }
}

using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using ZamSync.Net.Hub;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers a ZamSync hub in a .NET host.</summary>
public static class HubServiceCollectionExtensions
{
    /// <summary>
    /// Adds a hub, started and stopped with the host, serving the <see cref="ZamSync.ZamEngine"/> registered in the
    /// container (register the engine as a singleton: it is the single writer of its directory).
    /// </summary>
    public static IServiceCollection AddZamSyncHub(this IServiceCollection services, ZamHubOptions? options = null) =>
        services.AddZamSyncHub(_ => options ?? new ZamHubOptions());

    /// <summary>Adds a hub whose options come from the container (configuration, secrets for certificates).</summary>
    public static IServiceCollection AddZamSyncHub(this IServiceCollection services, Func<IServiceProvider, ZamHubOptions> options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddSingleton(sp => new ZamHub(
            sp.GetRequiredService<ZamSync.ZamEngine>(),
            options(sp),
            sp.GetService<ILogger<ZamHub>>(),
            sp.GetService<TimeProvider>()));
        services.AddHostedService(sp => new ZamHubHostedService(sp.GetRequiredService<ZamHub>()));
        return services;
    }
}

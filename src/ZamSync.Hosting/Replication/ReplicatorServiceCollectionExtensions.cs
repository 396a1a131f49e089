using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZamSync.Hosting.Node;
using ZamSync.Hosting.Replication;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <see cref="ZamReplicator"/> of a hosted node.</summary>
public static class ReplicatorServiceCollectionExtensions
{
    /// <summary>
    /// Adds a replicator that keeps the hosted node (<c>AddZamSyncNode</c>) synced, configured from the section
    /// <c>ZamSync:Replicator</c> of the host's configuration (when there is one) and then by <paramref name="configure"/>.
    /// Resolve <see cref="ZamReplicator"/> to read its state or sync on demand.
    /// </summary>
    public static IServiceCollection AddZamSyncReplicator(this IServiceCollection services, Action<ZamReplicatorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ZamReplicatorOptions>().Configure<IServiceProvider>((options, provider) =>
            provider.GetService<IConfiguration>()?.GetSection(ZamReplicatorOptions.SectionName).Bind(options));
        return services.AddReplicatorCore(ZamReplicatorOptions.SectionName, configure);
    }

    /// <summary>Adds a replicator configured from <paramref name="section"/> and then by <paramref name="configure"/>.</summary>
    public static IServiceCollection AddZamSyncReplicator(this IServiceCollection services, IConfiguration section, Action<ZamReplicatorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<ZamReplicatorOptions>().Bind(section);
        return services.AddReplicatorCore(section is IConfigurationSection named && named.Path.Length > 0 ? named.Path : ZamReplicatorOptions.SectionName, configure);
    }

    private static IServiceCollection AddReplicatorCore(this IServiceCollection services, string section, Action<ZamReplicatorOptions>? configure)
    {
        if (services.Any(d => d.ServiceType == typeof(ZamReplicator)))
            throw new InvalidOperationException("AddZamSyncReplicator was already called: one replicator syncs all of a node's peers.");
        var builder = services.AddOptions<ZamReplicatorOptions>();
        if (configure is not null) builder.Configure(configure);
        builder.ValidateOnStart();
        services.AddSingleton<IValidateOptions<ZamReplicatorOptions>>(new ZamReplicatorOptionsValidator(section));
        services.AddSingleton(provider => new ZamReplicator(
            provider.GetService<IZamNode>() ?? throw new InvalidOperationException("AddZamSyncReplicator needs a hosted node: call AddZamSyncNode<TState>() too."),
            provider.GetRequiredService<IOptions<ZamReplicatorOptions>>().Value,
            provider.GetService<TimeProvider>(),
            provider.GetService<IMeterFactory>(),
            provider.GetService<ILogger<ZamReplicator>>(),
            section));
        services.AddHostedService(provider => provider.GetRequiredService<ZamReplicator>());
        return services;
    }
}

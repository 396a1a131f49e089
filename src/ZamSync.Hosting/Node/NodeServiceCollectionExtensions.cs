using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZamSync;
using ZamSync.Hosting.Node;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers a ZamSync node (the engine that owns a data directory) in a .NET host.</summary>
public static class NodeServiceCollectionExtensions
{
    /// <summary>
    /// Adds a node whose engine opens when the host starts and closes when it stops, configured from the section
    /// <c>ZamSync:Node</c> of the host's configuration (when there is one) and then by <paramref name="configure"/>.
    /// Resolvable afterwards: <see cref="ZamNode{TState}"/>, <see cref="IZamNode"/>, and (once the host started)
    /// <see cref="ZamEngine{TState}"/> and <see cref="ZamEngine"/>, which <c>AddZamSyncHub</c> serves.
    /// </summary>
    public static IServiceCollection AddZamSyncNode<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TState>(this IServiceCollection services, Action<ZamNodeOptions>? configure = null)
        where TState : class, IStateStore
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ZamNodeOptions>().Configure<IServiceProvider>((options, provider) =>
            provider.GetService<IConfiguration>()?.GetSection(ZamNodeOptions.SectionName).Bind(options));
        return services.AddNodeCore<TState>(ZamNodeOptions.SectionName, configure);
    }

    /// <summary>
    /// Adds a node configured from <paramref name="section"/> (for example <c>configuration.GetSection("ZamSync:Node")</c>)
    /// and then by <paramref name="configure"/>; validation messages name the keys under that section's path.
    /// </summary>
    public static IServiceCollection AddZamSyncNode<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TState>(this IServiceCollection services, IConfiguration section, Action<ZamNodeOptions>? configure = null)
        where TState : class, IStateStore
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<ZamNodeOptions>().Bind(section);
        return services.AddNodeCore<TState>(section is IConfigurationSection named && named.Path.Length > 0 ? named.Path : ZamNodeOptions.SectionName, configure);
    }

    private static IServiceCollection AddNodeCore<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TState>(this IServiceCollection services, string section, Action<ZamNodeOptions>? configure)
        where TState : class, IStateStore
    {
        // One engine per data directory, and one node per host: a second registration is a mistake to stop at once.
        if (services.Any(d => d.ServiceType == typeof(IZamNode)))
            throw new InvalidOperationException("AddZamSyncNode was already called: a host runs one ZamSync node.");
        var builder = services.AddOptions<ZamNodeOptions>();
        if (configure is not null) builder.Configure(configure);
        builder.ValidateOnStart();
        services.AddSingleton<IValidateOptions<ZamNodeOptions>>(new ZamNodeOptionsValidator(section));

        services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<ZamNodeOptions>>().Value;
            return new ZamNode<TState>(options.DataDirectory, new NodeId(options.NodeId), provider.GetService<ILogger<ZamNode<TState>>>());
        });
        services.AddSingleton<IZamNode>(provider => provider.GetRequiredService<ZamNode<TState>>());
        // Resolving these before the host started throws ZamNode.Engine's explanation; the container does not cache a
        // factory that threw, so the same call succeeds once the engine is open.
        services.TryAddSingleton(provider => provider.GetRequiredService<ZamNode<TState>>().Engine);
        services.TryAddSingleton<ZamEngine>(provider => provider.GetRequiredService<ZamNode<TState>>().Engine);

        // The node's hosted service goes before every hosted service registered so far (and those added later come
        // after it anyway): hosts start services in order and stop them in reverse, so whatever uses the engine (the
        // hub, the replicator, the application's own services) starts after it opened and stops before it closes.
        var descriptor = ServiceDescriptor.Singleton<IHostedService>(provider => new ZamNodeHostedService<TState>(
            provider.GetRequiredService<ZamNode<TState>>(),
            provider.GetRequiredService<IOptions<ZamNodeOptions>>(),
            provider.GetService<TimeProvider>(),
            provider.GetService<IMeterFactory>(),
            provider.GetService<ILoggerFactory>()));
        int first = services.ToList().FindIndex(d => d.ServiceType == typeof(IHostedService));
        if (first < 0) services.Add(descriptor);
        else services.Insert(first, descriptor);
        return services;
    }
}

using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using ZamSync.AspNetCore;
using ZamSync.AspNetCore.Authentication;
using ZamSync.AspNetCore.Events;
using ZamSync.AspNetCore.Health;
using ZamSync.AspNetCore.Status;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers what <c>app.MapZamSync()</c> serves.</summary>
public static class ZamSyncApiServiceCollectionExtensions
{
    /// <summary>The authorization policy every ZamSync endpoint but <c>/health</c> requires.</summary>
    public const string PolicyName = "ZamSync";

    internal const string LiveTag = "zamsync-live";

    /// <summary>
    /// Adds the ZamSync HTTP API over the engine (and hub, replicator) the host already registers: the <c>ZamSync</c>
    /// authentication scheme (bearer tokens from <see cref="ZamSyncApiOptions.TokenFile"/>, client certificates checked
    /// with <see cref="ZamSyncApiOptions.Tls"/>), health checks, problem details, and OpenTelemetry metrics exported
    /// for Prometheus. The token file is read when the host starts; an unsafe one stops the start.
    /// </summary>
    public static IServiceCollection AddZamSyncApi(this IServiceCollection services, ZamSyncApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ZamSyncCredentials>();
        services.AddHostedService(sp => sp.GetRequiredService<ZamSyncCredentials>());
        services.AddSingleton<EventStreamSlots>();
        services.AddSingleton<ZamSync.AspNetCore.Dashboard.DashboardAssets>();
        services.AddSingleton(sp => new HubTraffic(sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService(sp => new HubTrafficWatcher(sp, sp.GetRequiredService<HubTraffic>()));

        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, ZamSyncAuthenticationHandler>(ZamSyncAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder().AddPolicy(PolicyName, policy => policy
            .AddAuthenticationSchemes(ZamSyncAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser());
        services.AddProblemDetails();

        services.AddHealthChecks()
            .Add(new HealthCheckRegistration("zamsync-engine-open", sp => new EngineHealthCheck(sp, probeWrites: false), HealthStatus.Unhealthy, [LiveTag]))
            .Add(new HealthCheckRegistration("zamsync-engine-writable", sp => new EngineHealthCheck(sp, probeWrites: true), HealthStatus.Unhealthy, []))
            .Add(new HealthCheckRegistration("zamsync-disk", sp => new DiskHealthCheck(sp, options), HealthStatus.Unhealthy, []))
            .Add(new HealthCheckRegistration("zamsync-replicator",
                sp => sp.GetRequiredService<ReplicatorHealthCheckHolder>().Check, HealthStatus.Unhealthy, []));
        // The replicator check remembers since when a never-synced peer fails, so it must outlive one health run.
        services.AddSingleton(sp => new ReplicatorHealthCheckHolder(new ReplicatorHealthCheck(sp, options, sp.GetRequiredService<TimeProvider>())));

        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddZamSyncInstrumentation().AddPrometheusExporter());
        return services;
    }

    /// <summary>As <see cref="AddZamSyncApi(IServiceCollection, ZamSyncApiOptions)"/>, with options built by <paramref name="configure"/>.</summary>
    public static IServiceCollection AddZamSyncApi(this IServiceCollection services, Func<ZamSyncApiOptions, ZamSyncApiOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return services.AddZamSyncApi(configure(new ZamSyncApiOptions()));
    }

    internal sealed record ReplicatorHealthCheckHolder(ReplicatorHealthCheck Check);
}

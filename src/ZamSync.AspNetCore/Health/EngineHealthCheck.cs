using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ZamSync.AspNetCore.Health;

/// <summary>
/// The engine is open (live); for readiness also writable: its directory takes a file, and it is not refusing local
/// submits while a restored node waits for its own events to come back.
/// </summary>
internal sealed class EngineHealthCheck(IServiceProvider services, bool probeWrites) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ZamEngine? engine;
        try
        {
            engine = services.GetService<ZamEngine>();
        }
        catch (InvalidOperationException ex)
        {
            return HealthCheckResult.Unhealthy("the engine is not open", ex);
        }
        if (engine is null) return HealthCheckResult.Unhealthy("no ZamSync engine is registered");
        if (!probeWrites) return HealthCheckResult.Healthy($"node {engine.NodeId} is open");
        if (engine.IsRecoveringOwnEvents)
            return HealthCheckResult.Degraded($"node {engine.NodeId} was restored and refuses local submits until a sync brings its own events back");
        var probe = Path.Combine(engine.DataDirectory, $".ready-{Guid.NewGuid():N}");
        try
        {
            await File.WriteAllBytesAsync(probe, [1], cancellationToken).ConfigureAwait(false);
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return HealthCheckResult.Unhealthy($"the data directory {engine.DataDirectory} is not writable", ex);
        }
        return HealthCheckResult.Healthy($"node {engine.NodeId} is open and writable");
    }
}

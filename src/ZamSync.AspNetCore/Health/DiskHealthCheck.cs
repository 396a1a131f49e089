using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ZamSync.AspNetCore.Health;

/// <summary>The disk that holds the log has at least <see cref="ZamSyncApiOptions.MinFreeDiskBytes"/> free.</summary>
internal sealed class DiskHealthCheck(IServiceProvider services, ZamSyncApiOptions options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        string directory;
        try
        {
            directory = services.GetService<ZamEngine>()?.DataDirectory ?? "";
        }
        catch (InvalidOperationException)
        {
            directory = "";
        }
        if (directory.Length == 0) return Task.FromResult(HealthCheckResult.Unhealthy("the engine is not open"));
        long free = new DriveInfo(directory).AvailableFreeSpace;
        var data = new Dictionary<string, object> { ["freeBytes"] = free, ["minFreeBytes"] = options.MinFreeDiskBytes };
        return Task.FromResult(free < options.MinFreeDiskBytes
            ? HealthCheckResult.Unhealthy($"the log's disk has {free} bytes free, below {options.MinFreeDiskBytes}", data: data)
            : HealthCheckResult.Healthy($"{free} bytes free", data));
    }
}

using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ZamSync.Hosting.Replication;

namespace ZamSync.AspNetCore.Health;

/// <summary>
/// No peer of the replicator (when the host runs one) has been failing for longer than
/// <see cref="ZamSyncApiOptions.ReplicatorFailureThreshold"/>: a peer failing since its last success, or since this
/// check first saw it failing when it never succeeded.
/// </summary>
internal sealed class ReplicatorHealthCheck(IServiceProvider services, ZamSyncApiOptions options, TimeProvider time) : IHealthCheck
{
    private readonly ConcurrentDictionary<NodeId, DateTimeOffset> _failingSince = new();

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ZamReplicator? replicator;
        try
        {
            replicator = services.GetService<ZamReplicator>();
        }
        catch (InvalidOperationException)
        {
            replicator = null;
        }
        if (replicator is null) return Task.FromResult(HealthCheckResult.Healthy("no replicator runs here"));
        var now = time.GetUtcNow();
        var failing = new List<string>();
        foreach (var peer in replicator.Peers)
        {
            if (peer.ConsecutiveFailures == 0)
            {
                _failingSince.TryRemove(peer.Peer, out _);
                continue;
            }
            var since = peer.LastSuccess ?? _failingSince.GetOrAdd(peer.Peer, now);
            if (now - since > options.ReplicatorFailureThreshold)
                failing.Add($"{peer.Peer} ({peer.ConsecutiveFailures} failures since {since:O}: {peer.LastError})");
        }
        return Task.FromResult(failing.Count == 0
            ? HealthCheckResult.Healthy($"{replicator.Peers.Count} peers")
            : HealthCheckResult.Unhealthy($"failing for longer than {options.ReplicatorFailureThreshold}: {string.Join("; ", failing)}"));
    }
}

using System.Diagnostics.Metrics;

namespace ZamSync.Hosting.Replication;

/// <summary>
/// The replicator's instruments on the <c>ZamSync</c> meter (<c>zamsync.replicator.*</c>). Counters are written only
/// here; gauges read the peers' snapshots when a listener collects.
/// </summary>
internal sealed class ReplicatorMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _attempts, _retries, _bytes;

    public ReplicatorMetrics(IMeterFactory? factory, Func<IReadOnlyList<ReplicatorPeerState>> peers, Func<ReplicatorBudgetState?> budget, TimeProvider time)
    {
        _ownsMeter = factory is null;
        _meter = factory?.Create(Diagnostics.ZamMetrics.MeterName) ?? new Meter(Diagnostics.ZamMetrics.MeterName);
        _attempts = _meter.CreateCounter<long>("zamsync.replicator.attempts", "{session}", "Sessions the replicator attempted, tagged by peer and outcome (synced, transient, failed).");
        _retries = _meter.CreateCounter<long>("zamsync.replicator.retries", "{retry}", "Retries scheduled after a transient failure, tagged by peer.");
        _bytes = _meter.CreateCounter<long>("zamsync.replicator.bytes", "By", "Wire bytes of the replicator's sessions, failed ones included, tagged by peer and direction.");
        _meter.CreateObservableGauge("zamsync.replicator.bytes_today", () => peers().Select(p => new Measurement<long>(p.BytesToday, Peer(p))), "By",
            "Wire bytes sent plus received with each peer in the current budget day.");
        _meter.CreateObservableGauge("zamsync.replicator.consecutive_failures", () => peers().Select(p => new Measurement<int>(p.ConsecutiveFailures, Peer(p))), "{attempt}",
            "Failed attempts with each peer since its last success.");
        _meter.CreateObservableGauge("zamsync.replicator.since_last_success", () => peers()
                .Where(p => p.LastSuccess is not null)
                .Select(p => new Measurement<double>((time.GetUtcNow() - p.LastSuccess!.Value).TotalSeconds, Peer(p))), "s",
            "Seconds since the last completed session with each peer (absent before the first).");
        _meter.CreateObservableGauge("zamsync.replicator.next_attempt_in", () => peers()
                .Where(p => p.NextAttempt is not null)
                .Select(p => new Measurement<double>(Math.Max(0, (p.NextAttempt!.Value - time.GetUtcNow()).TotalSeconds), Peer(p))), "s",
            "Seconds until the next attempt with each peer.");
        _meter.CreateObservableGauge("zamsync.replicator.budget_remaining", () => budget() is { BytesLeft: { } left } ? [new Measurement<long>(left)] : Array.Empty<Measurement<long>>(), "By",
            "Wire bytes left in today's budget (absent without MaxBytesPerDay).");
    }

    private static KeyValuePair<string, object?> Peer(ReplicatorPeerState p) => new("peer", p.Peer.ToString());

    public void Attempted(NodeId peer, string outcome, long sent, long received)
    {
        var tag = new KeyValuePair<string, object?>("peer", peer.ToString());
        _attempts.Add(1, tag, new("outcome", outcome));
        if (sent > 0) _bytes.Add(sent, tag, new("direction", "sent"));
        if (received > 0) _bytes.Add(received, tag, new("direction", "received"));
    }

    public void Retrying(NodeId peer) => _retries.Add(1, new KeyValuePair<string, object?>("peer", peer.ToString()));

    public void Dispose()
    {
        if (_ownsMeter) _meter.Dispose();
    }
}

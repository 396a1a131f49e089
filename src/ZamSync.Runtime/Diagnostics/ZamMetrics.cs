using System.Diagnostics.Metrics;

namespace ZamSync.Diagnostics;

/// <summary>
/// The engine's instruments on the meter <c>ZamSync</c>. One instance per engine (no static state); pass
/// an <see cref="IMeterFactory"/> in the options to have the host own the meter.
/// </summary>
public sealed class ZamMetrics : IDisposable
{
    public const string MeterName = "ZamSync";
    private readonly Meter _meter;
    private readonly bool _ownsMeter;

    public ZamMetrics(IMeterFactory? factory = null)
    {
        _ownsMeter = factory is null;
        _meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        EventsSubmitted = _meter.CreateCounter<long>("zamsync.events.submitted", "{event}", "Events submitted locally and durable.");
        EventsApplied = _meter.CreateCounter<long>("zamsync.events.applied", "{event}", "Events applied to the state, re-folds included.");
        EventsSent = _meter.CreateCounter<long>("zamsync.events.sent", "{event}", "Events sent to peers.");
        EventsReceived = _meter.CreateCounter<long>("zamsync.events.received", "{event}", "New events received from peers and stored.");
        BytesSent = _meter.CreateCounter<long>("zamsync.bytes.sent", "By", "Wire bytes sent in sync sessions.");
        BytesReceived = _meter.CreateCounter<long>("zamsync.bytes.received", "By", "Wire bytes received in sync sessions.");
        Sessions = _meter.CreateCounter<long>("zamsync.sessions", "{session}", "Sync sessions finished, tagged by role and outcome.");
        BudgetExhausted = _meter.CreateCounter<long>("zamsync.sessions.budget_exhausted", "{session}", "Sessions that stopped at their byte budget.");
        Quarantined = _meter.CreateCounter<long>("zamsync.events.quarantined", "{event}", "Replicated events the local validator refused.");
        ApplyFailures = _meter.CreateCounter<long>("zamsync.events.apply_failures", "{event}", "Events whose state handler threw.");
        FsyncBatches = _meter.CreateCounter<long>("zamsync.wal.fsync_batches", "{batch}", "Group commits: one write and one fsync each.");
        Refolds = _meter.CreateCounter<long>("zamsync.state.refolds", "{refold}", "Times the state was rebuilt because a late event sorted before applied ones.");
        ClockSkewRejected = _meter.CreateCounter<long>("zamsync.clock.skew_rejected", "{event}", "Remote clock readings too far ahead to move our clock.");
        BelowHorizon = _meter.CreateCounter<long>("zamsync.events.below_horizon", "{event}", "Replicated events that sort before what this node compacted (an origin nobody knew of when it compacted); applied after the base.");
        ConnectionsRejected = _meter.CreateCounter<long>("zamsync.connections.rejected", "{connection}", "Connections closed before a session, tagged by reason (timeout, protocol, tls, identity, io, address_limit).");
    }

    public Counter<long> EventsSubmitted { get; }
    public Counter<long> EventsApplied { get; }
    public Counter<long> EventsSent { get; }
    public Counter<long> EventsReceived { get; }
    public Counter<long> BytesSent { get; }
    public Counter<long> BytesReceived { get; }
    public Counter<long> Sessions { get; }
    public Counter<long> BudgetExhausted { get; }
    public Counter<long> Quarantined { get; }
    public Counter<long> ApplyFailures { get; }
    public Counter<long> FsyncBatches { get; }
    public Counter<long> Refolds { get; }
    public Counter<long> ClockSkewRejected { get; }
    public Counter<long> ConnectionsRejected { get; }
    public Counter<long> BelowHorizon { get; }

    public void Dispose()
    {
        if (_ownsMeter) _meter.Dispose();
    }
}

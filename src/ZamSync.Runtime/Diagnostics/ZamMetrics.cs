using System.Diagnostics.Metrics;

namespace ZamSync.Diagnostics;

/// <summary>
/// The engine's instruments on the meter <c>ZamSync</c>. One instance per engine (no static state); pass an
/// <see cref="IMeterFactory"/> in the options to have the host own the meter. Only ZamSync records on them: read them
/// through a <see cref="MeterListener"/> or OpenTelemetry (<c>AddMeter("ZamSync")</c>), by the names in
/// <see cref="Instruments"/>; docs/engine.md lists each with its unit and tags.
/// </summary>
public sealed class ZamMetrics : IDisposable
{
    public const string MeterName = "ZamSync";

    /// <summary>The instrument names on the <c>ZamSync</c> meter.</summary>
    public static class Instruments
    {
        public const string EventsSubmitted = "zamsync.events.submitted";
        public const string EventsApplied = "zamsync.events.applied";
        public const string EventsSent = "zamsync.events.sent";
        public const string EventsReceived = "zamsync.events.received";
        public const string BytesSent = "zamsync.bytes.sent";
        public const string BytesReceived = "zamsync.bytes.received";
        public const string Sessions = "zamsync.sessions";
        public const string BudgetExhausted = "zamsync.sessions.budget_exhausted";
        public const string Quarantined = "zamsync.events.quarantined";
        public const string ApplyFailures = "zamsync.events.apply_failures";
        public const string FsyncBatches = "zamsync.wal.fsync_batches";
        public const string Refolds = "zamsync.state.refolds";
        public const string ClockSkewRejected = "zamsync.clock.skew_rejected";
        public const string BelowHorizon = "zamsync.events.below_horizon";
        public const string ConnectionsRejected = "zamsync.connections.rejected";
        public const string SessionDuration = "zamsync.session.duration";
        public const string FsyncDuration = "zamsync.wal.fsync.duration";
        public const string BatchEvents = "zamsync.sync.batch.events";
        public const string BatchBytes = "zamsync.sync.batch.bytes";
        public const string CompactionDuration = "zamsync.compaction.duration";
    }

    // Bucket boundaries in seconds. The default ones are meant for milliseconds and would put every fsync (tens of
    // microseconds to a few milliseconds) and most sessions in the first bucket.
    private static readonly InstrumentAdvice<double> FsyncBuckets = new()
    {
        HistogramBucketBoundaries = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    };
    private static readonly InstrumentAdvice<double> SessionBuckets = new()
    {
        HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
    };
    private static readonly InstrumentAdvice<int> BatchEventBuckets = new()
    {
        HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096],
    };
    private static readonly InstrumentAdvice<int> BatchByteBuckets = new()
    {
        HistogramBucketBoundaries = [256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304],
    };

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly HashSet<Instrument> _instruments = new(ReferenceEqualityComparer.Instance);

    public ZamMetrics(IMeterFactory? factory = null)
    {
        _ownsMeter = factory is null;
        _meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        EventsSubmitted = Counter(Instruments.EventsSubmitted, "{event}", "Events submitted locally and durable.");
        EventsApplied = Counter(Instruments.EventsApplied, "{event}", "Events applied to the state, re-folds included.");
        EventsSent = Counter(Instruments.EventsSent, "{event}", "Events sent to peers.");
        EventsReceived = Counter(Instruments.EventsReceived, "{event}", "New events received from peers and stored.");
        BytesSent = Counter(Instruments.BytesSent, "By", "Wire bytes sent in sync sessions.");
        BytesReceived = Counter(Instruments.BytesReceived, "By", "Wire bytes received in sync sessions.");
        Sessions = Counter(Instruments.Sessions, "{session}", "Sync sessions finished, tagged by role and outcome.");
        BudgetExhausted = Counter(Instruments.BudgetExhausted, "{session}", "Sessions that stopped at their byte budget.");
        Quarantined = Counter(Instruments.Quarantined, "{event}", "Replicated events the local validator refused.");
        ApplyFailures = Counter(Instruments.ApplyFailures, "{event}", "Events whose state handler threw.");
        FsyncBatches = Counter(Instruments.FsyncBatches, "{batch}", "Group commits: one write and one fsync each.");
        Refolds = Counter(Instruments.Refolds, "{refold}", "Times the state was rebuilt because a late event sorted before applied ones.");
        ClockSkewRejected = Counter(Instruments.ClockSkewRejected, "{event}", "Remote clock readings too far ahead to move our clock.");
        BelowHorizon = Counter(Instruments.BelowHorizon, "{event}", "Replicated events that sort before what this node compacted (an origin nobody knew of when it compacted); applied after the base.");
        ConnectionsRejected = Counter(Instruments.ConnectionsRejected, "{connection}", "Connections closed before a session, tagged by reason (timeout, protocol, tls, identity, io, address_limit).");
        SessionDuration = Track(_meter.CreateHistogram(Instruments.SessionDuration, "s", "How long sync sessions took, tagged by role and outcome.", tags: null, SessionBuckets));
        FsyncDuration = Track(_meter.CreateHistogram(Instruments.FsyncDuration, "s", "How long each group commit's fsync took.", tags: null, FsyncBuckets));
        BatchEvents = Track(_meter.CreateHistogram(Instruments.BatchEvents, "{event}", "Events per sync batch, tagged by direction (sent, received).", tags: null, BatchEventBuckets));
        BatchBytes = Track(_meter.CreateHistogram(Instruments.BatchBytes, "By", "Wire bytes per sync batch (framed and compressed, as the link carried them), tagged by direction (sent, received).", tags: null, BatchByteBuckets));
        CompactionDuration = Track(_meter.CreateHistogram(Instruments.CompactionDuration, "s", "How long compactions took, those that dropped nothing included.", tags: null, SessionBuckets));
    }

    /// <summary>
    /// Whether <paramref name="instrument"/> is one of this engine's (every engine publishes the same names on a meter
    /// of its own, so a listener that wants one engine's measurements enables only its instruments).
    /// </summary>
    public bool Owns(Instrument instrument) => _instruments.Contains(instrument);

    internal Counter<long> EventsSubmitted { get; }
    internal Counter<long> EventsApplied { get; }
    internal Counter<long> EventsSent { get; }
    internal Counter<long> EventsReceived { get; }
    internal Counter<long> BytesSent { get; }
    internal Counter<long> BytesReceived { get; }
    internal Counter<long> Sessions { get; }
    internal Counter<long> BudgetExhausted { get; }
    internal Counter<long> Quarantined { get; }
    internal Counter<long> ApplyFailures { get; }
    internal Counter<long> FsyncBatches { get; }
    internal Counter<long> Refolds { get; }
    internal Counter<long> ClockSkewRejected { get; }
    internal Counter<long> ConnectionsRejected { get; }
    internal Counter<long> BelowHorizon { get; }
    internal Histogram<double> SessionDuration { get; }
    internal Histogram<double> FsyncDuration { get; }
    internal Histogram<int> BatchEvents { get; }
    internal Histogram<int> BatchBytes { get; }
    internal Histogram<double> CompactionDuration { get; }

    private Counter<long> Counter(string name, string unit, string description) => Track(_meter.CreateCounter<long>(name, unit, description));

    private T Track<T>(T instrument) where T : Instrument
    {
        _instruments.Add(instrument);
        return instrument;
    }

    public void Dispose()
    {
        if (_ownsMeter) _meter.Dispose();
    }
}

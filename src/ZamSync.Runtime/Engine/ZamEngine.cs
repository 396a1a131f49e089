using ZamSync.Diagnostics;
using ZamSync.Storage;
using ZamSync.Wal;

namespace ZamSync;

/// <summary>
/// A node's engine: the single writer of one data directory. It mints identities for local events, stores
/// events durably, folds them into the state in the one agreed order, and serves sync sessions. Thread-safe:
/// share one engine among every submitter and every concurrent session.
/// </summary>
public abstract partial class ZamEngine : IAsyncDisposable
{
    private readonly DirectoryLock _lock;
    private readonly ZamEngineOptions _options;
    private readonly Lock _ingest = new();
    private IEventStore _store = null!;
    private ReadOnlyEventLog _events = null!;
    private PeerTable _peers = null!;
    private IPeerStore _peerStore = null!;
    private QuarantineLog _quarantine = null!;
    private int _disposed;

    private protected ZamEngine(string directory, NodeId nodeId, IStateStore? state, ZamEngineOptions options, DirectoryLock directoryLock)
    {
        DataDirectory = directory;
        NodeId = nodeId;
        StateStore = state;
        _options = options;
        IngestBudget = new ByteBudget(options.MaxIngestBytesInFlight);
        _lock = directoryLock;
        Metrics = new ZamMetrics(options.MeterFactory);
        ActivitySource = new System.Diagnostics.ActivitySource(ZamTracing.SourceName, typeof(ZamEngine).Assembly.GetName().Version?.ToString());
        Loggers = new ZamLoggers(options.LoggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        Clock = new HybridLogicalClock(options.TimeProvider, options.MaxClockDrift);
    }

    public NodeId NodeId { get; }

    public string DataDirectory { get; }

    /// <summary>What opening the log found (a torn tail it cut off, how many records it holds).</summary>
    public WalRecoveryReport Recovery { get; private set; } = null!;

    /// <summary>What this node durably holds.</summary>
    public VersionVector Known => _store.Known;

    /// <summary>The contract fingerprint sent in handshakes.</summary>
    public string ContractFingerprint => _options.ContractFingerprint;

    /// <summary>The contract's canonical schema sent in handshakes (empty when unknown).</summary>
    public string ContractSchema => _options.ContractSchema;

    public ZamMetrics Metrics { get; }

    /// <summary>This engine's source of the <c>ZamSync</c> spans (disposed with it).</summary>
    internal System.Diagnostics.ActivitySource ActivitySource { get; }

    /// <summary>The loggers of each area, from <see cref="ZamEngineOptions.LoggerFactory"/>.</summary>
    internal ZamLoggers Loggers { get; }

    /// <summary>Stamps local events and merges remote readings; only the engine and its sessions move it.</summary>
    internal HybridLogicalClock Clock { get; }

    /// <summary>
    /// The node's events, read-only: only the engine appends (it counts local sequences, validates, and refuses
    /// holes), so this view has no append and is not the store itself.
    /// </summary>
    public IEventLog Events => _events;

    /// <summary>What received batches of every session may hold in memory until durable (<see cref="ZamEngineOptions.MaxIngestBytesInFlight"/>).</summary>
    internal ByteBudget IngestBudget { get; }

    /// <summary>Replicated events the local validator refused: stored and forwarded, never applied.</summary>
    public IReadOnlyList<QuarantinedEvent> Quarantined => _quarantine.Entries;

    /// <summary>The state the engine folds; null on a relay, which folds nothing.</summary>
    private protected IStateStore? StateStore { get; }

    /// <summary>Opens the directory (its lock is taken): opens and recovers the store, and brings the state up to date.</summary>
    private protected async Task OpenCoreAsync(CancellationToken cancellationToken)
    {
        IEventStore? store = null;
        try
        {
            var provider = _options.EventStore ?? new WalStoreProvider(_options.Wal);
            store = await provider.OpenAsync(new EventStoreContext
            {
                DataDirectory = DataDirectory, NodeId = NodeId, OnCommitted = OnCommitted, Metrics = Metrics, LoggerFactory = _options.LoggerFactory,
            }, cancellationToken).ConfigureAwait(false);
            _store = store;
            _events = new ReadOnlyEventLog(store);
            var report = store.Recovery;
            Recovery = report;
            if (report.TailWasTorn) StorageLog.TornTailCut(Loggers.Storage, DataDirectory, report.TruncatedAt, report.TruncatedBytes);
            // Own events must keep ticking forward after a restart, whatever the wall clock says now. Far-future
            // stamps from peers count only within the drift bound, as they would have when received.
            Clock.Restore(store.ClockAtOpen.Own);
            Clock.Observe(store.ClockAtOpen.Highest);
            RestoreClockFloor();
            var peerStore = _options.PeerStore ?? new FilePeerStore(DataDirectory);
            _peerStore = peerStore;
            _peers = new PeerTable(peerStore, await peerStore.LoadAsync(cancellationToken).ConfigureAwait(false));
            _quarantine = new QuarantineLog(DataDirectory);
            LoadOwnRecovery();
            RecoverState();
        }
        catch
        {
            // The caller never gets this engine, so nothing it opened may outlive the failure: the store's
            // handle and committer task, and the meter (meters stay registered until disposed).
            if (store is not null) await store.DisposeAsync().ConfigureAwait(false);
            Metrics.Dispose();
            ActivitySource.Dispose();
            throw;
        }
    }

    // ---- local events --------------------------------------------------------------------------------------

    /// <summary>
    /// Stores a local event. Returns once it is durable (fsynced): it survives <c>kill -9</c> and power loss from then
    /// on, and a read of the state that starts after this returns sees it applied. Concurrent calls share fsyncs; the
    /// state's <c>Apply</c> runs on the engine's fold loop, never on the way to the fsync.
    /// </summary>
    /// <remarks>Cancelling abandons the wait only; the event may still become durable.</remarks>
    public async ValueTask<EventEnvelope> SubmitAsync(uint eventType, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        // A store shared with other processes of this node may lag what a peer said it holds of our origin: learn
        // what they committed before refusing.
        if (OwnEventsMissing(out _, out _, out bool restored) && !restored) await _store.RefreshAsync(cancellationToken).ConfigureAwait(false);
        EventEnvelope envelope;
        while (true)
        {
            AppendTicket ticket;
            lock (_ingest)
            {
                // Checked under the ingest lock, so no submit slips in between a session learning the gap and the fold
                // of what it brings back.
                ThrowIfOwnEventsMissing();
                var hlc = Clock.Tick();
                while (true)
                {
                    envelope = new EventEnvelope(NodeId, _store.HighestSequence(NodeId) + 1, hlc, eventType, payload);
                    if (_options.Validator?.Validate(envelope) is { } reason)
                        throw new EventRefusedException(eventType, reason);
                    if (_store.TryAppend(new StoredEvent(envelope), out ticket, out _)) break;
                    // A hole: the sequence was counted on top of queued events that a failing write (a full disk)
                    // took back in the meantime. Nothing of this event was kept: count again. Other submitters wait
                    // on _ingest and only a write failure moves the store backwards, so this settles at once.
                }
            }
            try
            {
                // Durable is enough: the fold loop applies it, and a read catches the fold up first (read-your-writes).
                // Leader commit: with no write in flight, this thread writes and fsyncs the event itself.
                await _store.CommitAndWaitAsync(ticket, cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (SequenceHoleException ex) when (ex.Origin == NodeId)
            {
                // Only a store shared by several processes of this node (hub processes on one database) finds this
                // at write time: another process took the sequence first. Learn what it wrote (and the stamps it
                // used, so this clock ticks past them), and count again.
                await _store.RefreshAsync(cancellationToken).ConfigureAwait(false);
                Clock.Restore(_store.HighStamp(NodeId));
            }
        }
        Metrics.EventsSubmitted.Add(1);
        return envelope;
    }

    // ---- replicated events ---------------------------------------------------------------------------------

    /// <summary>
    /// Stores events received from <paramref name="from"/>. Events already held are skipped silently; an
    /// event that would leave a hole in its origin's sequence is a protocol error; an event the validator
    /// refuses is quarantined and the rest go on. Returns once the new events are durable (the fold loop applies them).
    /// </summary>
    internal async ValueTask<IngestResult> IngestAsync(IReadOnlyList<EventEnvelope> events, NodeId from, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var accepted = new List<StoredEvent>(events.Count);
        List<QuarantinedEvent>? quarantined = null;
        var queuedElsewhere = new HashSet<Task>();
        var skew = new ClockSkewTally();
        AppendTicket ticket;
        lock (_ingest)
        {
            while (true)
            {
                accepted.Clear();
                quarantined?.Clear();
                queuedElsewhere.Clear();
                long failures = _store.WriteFailures;
                skew = new ClockSkewTally();
                Classify(events, from, accepted, ref quarantined, queuedElsewhere, ref skew);
                if (_store.TryAppend(accepted, out ticket, out var hole)) break;
                // Classify refused every hole the peer sent, so this one is ours: as in SubmitAsync, a failing
                // write (a full disk) took back queued events we counted as held, and what we skipped as replays
                // is missing again. Classify again against the store as it is now. Without a failed write in
                // between it would be a broken invariant, not a state to retry out of.
                if (_store.WriteFailures == failures) throw new SequenceHoleException(hole.Origin, hole.Expected, hole.Got);
            }
        }
        await _store.WaitDurableAsync(ticket, cancellationToken).ConfigureAwait(false);
        // Events skipped as held because another session's write of them is still queued: an acknowledgement
        // means durable, so wait for that write too (and fail with it).
        foreach (var other in queuedElsewhere) await other.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (quarantined is not null)
        {
            _quarantine.Add(quarantined);
            Metrics.Quarantined.Add(quarantined.Count);
            foreach (var q in quarantined) EngineLog.Quarantined(Loggers.Engine, q.Origin, q.Sequence, q.EventType, q.ReceivedFrom, q.Reason);
        }
        if (skew.Count > 0)
            EngineLog.ClockTooFarAhead(Loggers.Engine, skew.Count, from, Clock.MaxForwardDrift, skew.Furthest.Origin, skew.Furthest.Sequence, skew.Ahead);
        Metrics.EventsReceived.Add(accepted.Count);
        return new IngestResult(events.Count, accepted.Count, quarantined?.Count ?? 0);
    }

    /// <summary>
    /// Sorts a peer's batch into new events (validated, perhaps quarantined) and replays of what is held, and
    /// refuses one that would leave a hole. Runs under <c>_ingest</c>.
    /// </summary>
    private void Classify(IReadOnlyList<EventEnvelope> events, NodeId from, List<StoredEvent> accepted, ref List<QuarantinedEvent>? quarantined, HashSet<Task> queuedElsewhere, ref ClockSkewTally skew)
    {
        var next = new Dictionary<NodeId, ulong>();
        var high = new Dictionary<NodeId, Hlc>();
        foreach (var e in events)
        {
            if (e.Origin.IsEmpty || e.Sequence == 0)
                throw new SyncProtocolException($"Peer {from} sent an event with no identity ({e}).");
            if (!next.TryGetValue(e.Origin, out ulong expected)) expected = _store.HighestSequence(e.Origin) + 1;
            if (e.Sequence < expected)
            {
                // Already held (replays are harmless), or queued by another session and not yet durable.
                if (!next.ContainsKey(e.Origin) && _store.WhenDurable(e.Origin, e.Sequence) is { } queued) queuedElsewhere.Add(queued);
                continue;
            }
            if (e.Payload.Length > _options.Wal.MaxRecordBytes)
                throw new SyncProtocolException($"Peer {from} sent {e.Origin}#{e.Sequence} with {e.Payload.Length} bytes, more than this node's {_options.Wal.MaxRecordBytes}-byte limit.");
            if (e.Sequence > expected)
                throw new SyncProtocolException($"Peer {from} sent {e.Origin}#{e.Sequence} but this node holds that origin only up to #{expected - 1}: that would leave a hole.");
            next[e.Origin] = expected + 1;
            if (!Clock.Observe(e.Hlc))
            {
                Metrics.ClockSkewRejected.Add(1);
                skew.Add(e, _options.TimeProvider.GetUtcNow());
            }
            // An origin's stamps rise with its sequence; compaction relies on it (its frontier). An event that
            // breaks it is judged the same way by every node (all hold its predecessors), so quarantining it
            // keeps states equal instead of letting it sort before what some node compacted.
            if (!high.TryGetValue(e.Origin, out var previous)) previous = _store.HighStamp(e.Origin);
            string? reason = e.Hlc <= previous
                ? $"stamp {e.Hlc} does not rise above its origin's earlier events ({previous})"
                : _options.Validator?.Validate(e);
            if (e.Hlc > previous) high[e.Origin] = e.Hlc;
            if (reason is null && _store.Base?.Horizon is { } horizon && e.Key < horizon) Metrics.BelowHorizon.Add(1);
            if (reason is not null) (quarantined ??= new()).Add(new QuarantinedEvent(e.Origin, e.Sequence, e.EventType, from, reason));
            accepted.Add(new StoredEvent(e, Quarantined: reason is not null));
        }
    }

    /// <summary>Durable events of <paramref name="origin"/> from <paramref name="fromSequence"/> on, in order.</summary>
    public IEnumerable<EventEnvelope> ReadEvents(NodeId origin, ulong fromSequence = 1) =>
        _store.Read(origin, fromSequence).Select(e => e.Envelope);

    /// <summary>Every held event in the fold order <c>(hlc, origin, seq)</c>.</summary>
    public IEnumerable<EventEnvelope> ReadAllEvents() => _store.ReadInFoldOrder().Select(e => e.Envelope);

    // ---- peers ---------------------------------------------------------------------------------------------

    /// <summary>What <paramref name="peer"/> is known to hold (declared or acknowledged); empty if unknown.</summary>
    public VersionVector PeerKnowledge(NodeId peer) => _peers.Get(peer);

    /// <summary>Every peer this node has synced with, and what each is known to hold.</summary>
    public IReadOnlyDictionary<NodeId, VersionVector> Peers => _peers.All();

    /// <summary>
    /// The contract fingerprint <paramref name="peer"/> presented in the last completed handshake where it answered this
    /// node and could ask for an omitted schema; null when unknown. Sessions this node initiates to the peer leave the
    /// contract schema out while it is this node's own (docs/protocol.md, "Contracts"). Kept in the peer store.
    /// </summary>
    public string? PeerContract(NodeId peer) => _peers.Contract(peer);

    /// <summary>Records what a peer holds (from its handshake or its acknowledgement); never lowers it.</summary>
    internal void RecordPeerKnowledge(NodeId peer, VersionVector holds)
    {
        _peers.Merge(peer, holds);
        NoteOwnHeldBy(peer, holds);
    }

    /// <summary>
    /// Records a responder's completed handshake: what it holds, and the contract fingerprint to rely on next time (null
    /// forgets it: the peer cannot ask for an omitted schema). One durable write, only when something changed.
    /// </summary>
    internal void RecordPeerHandshake(NodeId peer, VersionVector holds, string? contract)
    {
        _peers.Merge(peer, holds, contract);
        NoteOwnHeldBy(peer, holds);
    }

    /// <summary>Forgets the contract fingerprint remembered for <paramref name="peer"/>, so the next session sends the schema.</summary>
    internal void ForgetPeerContract(NodeId peer) => _peers.ForgetContract(peer);

    /// <summary>
    /// Makes the peer knowledge recorded so far durable, in one store write for every peer that changed. Sessions call
    /// it once at their end, compaction before it trusts the table, and closing the engine last.
    /// </summary>
    internal Task FlushPeerKnowledgeAsync(CancellationToken cancellationToken) => _peers.FlushAsync(cancellationToken);

    /// <summary>
    /// Brings the store's view up to date before a handshake declares what this node holds: a store shared by several
    /// processes of this node learns what the others committed (the embedded log returns at once).
    /// </summary>
    internal ValueTask RefreshStoreAsync(CancellationToken cancellationToken) => _store.RefreshAsync(cancellationToken);

    /// <summary>Creates a sync session over <paramref name="transport"/>.</summary>
    public Sync.SyncSession CreateSession(ISyncTransport transport) => new(this, transport);

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try
        {
            await _store.StopAsync().ConfigureAwait(false);
            await StopFoldLoopAsync().ConfigureAwait(false);
            try
            {
                // Knowledge a session recorded but never flushed (it failed before its end) is kept if it can be;
                // losing it costs nothing but a later compaction, since peers re-declare what they hold.
                try
                {
                    await _peers.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                }
                finally
                {
                    WriteSnapshotOnClose();
                }
            }
            finally
            {
                // The snapshot is only an accelerator: failing to write it (a full disk) is reported, but the
                // log is closed regardless.
                await _store.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _changes.Complete(); // after the last commit was published: readers drain it, then their feeds end
            Metrics.Dispose();
            ActivitySource.Dispose();
            _lock.Dispose();
        }
        GC.SuppressFinalize(this);
    }
}

/// <summary>
/// The events of one batch stamped too far ahead to move our clock, so a peer with a wrong clock costs one log
/// line a batch, naming the furthest, rather than one an event.
/// </summary>
internal struct ClockSkewTally
{
    public int Count;
    public EventKey Furthest;
    public TimeSpan Ahead;

    public void Add(in EventEnvelope e, DateTimeOffset now)
    {
        var ahead = TimeSpan.FromMilliseconds(e.Hlc.Physical - now.ToUnixTimeMilliseconds());
        if (Count++ == 0 || ahead > Ahead) (Furthest, Ahead) = (e.Key, ahead);
    }
}

/// <summary>What happened to a batch of replicated events.</summary>
/// <param name="Received">Events in the batch.</param>
/// <param name="Stored">New events stored (quarantined ones included); the rest were already held.</param>
/// <param name="Quarantined">New events the validator refused.</param>
internal readonly record struct IngestResult(int Received, int Stored, int Quarantined);

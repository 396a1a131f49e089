namespace ZamSync;

/// <summary>
/// The storage port: everything the engine needs of the place its events live. The embedded write-ahead log
/// (<see cref="Wal.WalStoreProvider"/>) is the default; a store shared by several hub processes (PostgreSQL) implements
/// the same port. The engine is the store's only writer: it counts local sequences, validates, and decides what a
/// replicated batch adds, and hands out only the read-only <see cref="IEventLog"/> view (docs/engine.md, "The storage
/// port").
/// </summary>
/// <remarks>
/// <para>Contract:</para>
/// <list type="bullet">
/// <item>Events become visible to readers (and so to peers) only once durable.</item>
/// <item><see cref="TryAppend(IReadOnlyList{StoredEvent}, out AppendTicket, out SequenceHole)"/> takes its place in the store's order synchronously, before it returns, so the order of
/// calls is the order in the store; it is all-or-nothing, and keeps nothing when it answers a hole.</item>
/// <item>A failed write fails every append queued behind it and leaves the store as it was before them; it is
/// counted in <see cref="WriteFailures"/>, together with taking the queue back.</item>
/// <item>Every durable batch is published, in commit order, to <see cref="EventStoreContext.OnCommitted"/>. The
/// callback must be cheap: user code (a state's <c>Apply</c>) never runs on it. The batch's list is valid only during
/// the call (a store may reuse it); a subscriber copies what it keeps.</item>
/// <item>The caller may reuse the list it passed to <c>TryAppend</c> once that returns: a store copies what it keeps.</item>
/// </list>
/// </remarks>
public interface IEventStore : IEventLog, IAsyncDisposable
{
    /// <summary>What opening found and repaired (a torn tail cut off, how many records are held).</summary>
    Wal.WalRecoveryReport Recovery { get; }

    /// <summary>The stamps that bound this node's clock when it opens (see <see cref="StoreClockReading"/>).</summary>
    StoreClockReading ClockAtOpen { get; }

    /// <summary>The base a compacted store starts from (floors, horizon, state snapshot), or null.</summary>
    CompactedBase? Base { get; }

    /// <summary>Per origin, every sequence up to here was compacted away (and still counts as held); 0 when none.</summary>
    ulong Floor(NodeId origin);

    /// <summary>How many bytes the store occupies (for compaction reports).</summary>
    long Length { get; }

    /// <summary>Writes that failed (and took back what was queued behind them) since open.</summary>
    long WriteFailures { get; }

    /// <summary>
    /// The highest stamp among <paramref name="origin"/>'s events, queued and compacted ones included: its next event
    /// must carry a higher one (docs/engine.md, "Frontiers").
    /// </summary>
    Hlc HighStamp(NodeId origin);

    /// <summary>
    /// Queues <paramref name="events"/> for writing, after everything queued before. False, keeping nothing, when an
    /// event does not continue its origin's sequence (counting queued events): <paramref name="hole"/> says where.
    /// Wait for durability with <see cref="WaitDurableAsync"/>.
    /// </summary>
    /// <remarks>
    /// A store that can see holes only when it writes (a database shared by several processes) may accept here and
    /// report the hole from <see cref="WaitDurableAsync"/> as a <see cref="SequenceHoleException"/>.
    /// </remarks>
    bool TryAppend(IReadOnlyList<StoredEvent> events, out AppendTicket ticket, out SequenceHole hole);

    /// <summary>
    /// <see cref="TryAppend(IReadOnlyList{StoredEvent}, out AppendTicket, out SequenceHole)"/> for one event, which a
    /// store can take without the list a caller would allocate for it (the submit path).
    /// </summary>
    bool TryAppend(StoredEvent stored, out AppendTicket ticket, out SequenceHole hole) => TryAppend([stored], out ticket, out hole);

    /// <summary>Completes once the append of <paramref name="ticket"/> is durable; fails if its write failed.</summary>
    /// <remarks>
    /// Cancelling abandons the wait only; the events may still become durable. Always wait on a ticket: a store may
    /// start the write only once it is waited for.
    /// </remarks>
    ValueTask WaitDurableAsync(AppendTicket ticket, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="WaitDurableAsync"/> for a caller with nothing else to do meanwhile (a submit): a store may write on
    /// the caller's thread when no write is in flight (leader commit), saving a hand-off to its committer and back.
    /// A caller that pipelines (a session's receiver reading its next batch) uses <see cref="WaitDurableAsync"/>.
    /// </summary>
    ValueTask CommitAndWaitAsync(AppendTicket ticket, CancellationToken cancellationToken = default) => WaitDurableAsync(ticket, cancellationToken);

    /// <summary>
    /// Completes when <paramref name="origin"/>'s events up to <paramref name="sequence"/> are durable; null when they
    /// already are. For the engine skipping events as held because an earlier append of them is still queued.
    /// </summary>
    Task? WhenDurable(NodeId origin, ulong sequence);

    /// <summary>
    /// Brings the store's view of what is held up to date. A store shared by several processes learns here what the
    /// others appended (the engine calls it before it declares what it holds to a peer); the embedded log is always
    /// current and returns at once.
    /// </summary>
    ValueTask RefreshAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// A consistent capture of the fold order: its first <see cref="FoldView.Count"/> events never change while no
    /// compaction runs, and it includes every batch up to <see cref="FoldView.Batch"/> and no later one.
    /// </summary>
    FoldView CaptureFold();

    /// <summary>The events of <paramref name="view"/> in fold order, from position <paramref name="start"/>.</summary>
    IEnumerable<StoredEvent> ReadInFoldOrder(FoldView view, long start = 0);

    /// <summary>The keys of <paramref name="view"/> in fold order (no payloads read), from position <paramref name="start"/>.</summary>
    IEnumerable<EventKey> ReadFoldKeys(FoldView view, long start = 0);

    /// <summary>How many events of <paramref name="view"/> sort at or before <paramref name="key"/> (a search, not a scan).</summary>
    long CountAtOrBefore(FoldView view, EventKey key);

    /// <summary>Stops the store from committing between batches until the returned handle is disposed (for compaction).</summary>
    ValueTask<IAsyncDisposable> PauseCommitsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Drops every event at or below the floors of <paramref name="compaction"/> and keeps them as the new base with its
    /// snapshot, atomically: a crash leaves the store as it was before or after. The caller holds
    /// <see cref="PauseCommitsAsync"/>. Captured <see cref="FoldView"/>s are invalid afterwards.
    /// </summary>
    ValueTask CompactAsync(StoreCompaction compaction, CancellationToken cancellationToken = default);

    /// <summary>
    /// The last checkpoint written, when it still describes this store: its first <see cref="StateCheckpoint.EventCount"/>
    /// events in the fold order of <paramref name="view"/> are exactly the ones it folded. Null otherwise (none, damaged,
    /// or the store changed since in a way it cannot vouch for); the engine then folds from the base.
    /// </summary>
    StateCheckpoint? ReadCheckpoint(FoldView view);

    /// <summary>Durably keeps <paramref name="checkpoint"/>, replacing the previous one. An accelerator only.</summary>
    void WriteCheckpoint(StateCheckpoint checkpoint);

    /// <summary>Refuses new appends and waits until everything already queued is durable (or failed).</summary>
    Task StopAsync();
}

/// <summary>An event plus what the local node decided about it.</summary>
public readonly record struct StoredEvent(EventEnvelope Envelope, bool Quarantined = false);

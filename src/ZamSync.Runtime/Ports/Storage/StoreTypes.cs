namespace ZamSync;

/// <summary>
/// A place in a store's append order, for <see cref="IEventStore.WaitDurableAsync"/>. What it holds is the store's own
/// business: <see cref="Position"/> orders appends, <see cref="State"/> is whatever the store needs to find it again.
/// </summary>
public readonly record struct AppendTicket(long Position, object? State = null)
{
    /// <summary>The ticket of an append with nothing to write: durable already.</summary>
    public static AppendTicket Durable => default;
}

/// <summary>
/// A consistent capture of a store's fold order (see <see cref="IEventStore.CaptureFold"/>).
/// </summary>
/// <param name="Count">Events in the captured fold order.</param>
/// <param name="Batch">The number of the last committed batch it includes (batches are numbered in commit order).</param>
/// <param name="State">The store's own handle on the capture.</param>
public sealed record FoldView(long Count, long Batch, object? State);

/// <summary>A batch the store has made durable, as published to <see cref="EventStoreContext.OnCommitted"/>.</summary>
/// <param name="Events">Its events, in append order.</param>
/// <param name="Number">Its number in commit order (see <see cref="FoldView.Batch"/>).</param>
public readonly record struct CommittedBatch(IReadOnlyList<StoredEvent> Events, long Number);

/// <summary>What a compacted store starts from.</summary>
/// <param name="Floors">Per origin, every sequence up to here was dropped (and still counts as held).</param>
/// <param name="Horizon">The fold key of the last dropped event.</param>
/// <param name="Snapshot">The state after every dropped event (empty for a relay, which has no state).</param>
public sealed record CompactedBase(VersionVector Floors, EventKey? Horizon, ReadOnlyMemory<byte> Snapshot);

/// <summary>One compaction, as the engine asks the store for it (see <see cref="IEventStore.CompactAsync"/>).</summary>
/// <param name="Floors">Drop every event at or below these sequences (merged with the floors already held).</param>
/// <param name="Horizon">The fold key of the last event dropped.</param>
/// <param name="Clock">This node's clock when it compacted: its next own stamps sort after everything dropped.</param>
/// <param name="Snapshot">The state after every dropped event.</param>
public sealed record StoreCompaction(VersionVector Floors, EventKey Horizon, Hlc Clock, ReadOnlyMemory<byte> Snapshot);

/// <summary>The folded state at a point of the fold order, so opening need not fold again (see <see cref="IEventStore.ReadCheckpoint"/>).</summary>
/// <param name="EventCount">How many events of the fold order it folded (a prefix).</param>
/// <param name="Frontier">The key of the last of them, or null when none.</param>
/// <param name="State">The state's snapshot.</param>
/// <param name="ContractFingerprint">The contract the state was folded under: another contract folds again.</param>
public sealed record StateCheckpoint(long EventCount, EventKey? Frontier, ReadOnlyMemory<byte> State, string ContractFingerprint);

/// <summary>The stamps that bound a node's clock as its store opens.</summary>
/// <param name="Own">The highest stamp this node itself issued (its events, and its clock recorded at compaction).</param>
/// <param name="Highest">The highest stamp held of any origin, compacted events included.</param>
public readonly record struct StoreClockReading(Hlc Own, Hlc Highest);

/// <summary>Opens the store an engine runs on (see <see cref="ZamEngineOptions.EventStore"/>).</summary>
public interface IEventStoreProvider
{
    /// <summary>Opens (creating if needed) and recovers the store of <see cref="EventStoreContext.NodeId"/>.</summary>
    ValueTask<IEventStore> OpenAsync(EventStoreContext context, CancellationToken cancellationToken = default);
}

/// <summary>What a store is opened with.</summary>
public sealed class EventStoreContext
{
    /// <summary>The engine's data directory (locked by it): the embedded log lives here; other stores may keep files here.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The node whose store it is.</summary>
    public required NodeId NodeId { get; init; }

    /// <summary>Called in commit order once a batch is durable and readable. Cheap; never runs user code.</summary>
    public required Action<CommittedBatch> OnCommitted { get; init; }

    /// <summary>The engine's instruments (fsync latency, batches), for stores in this assembly.</summary>
    public required Diagnostics.ZamMetrics Metrics { get; init; }

    /// <summary>Where the store logs.</summary>
    public required Microsoft.Extensions.Logging.ILoggerFactory LoggerFactory { get; init; }
}

namespace ZamSync;

/// <summary>
/// Where events live: the embedded write-ahead log by default; another store (PostgreSQL for a hub that
/// outgrows one machine) implements the same port.
/// </summary>
/// <remarks>
/// Contract: events become visible to readers (and so to peers) only once durable. <see cref="AppendAsync"/>
/// enqueues synchronously, before it first yields, so the order of calls is the order in the store; it
/// checks that every origin's sequence stays contiguous; and a failed write fails every append queued
/// behind it, leaving the store as it was before them.
/// </remarks>
public interface IEventStore : IEventLog, IAsyncDisposable
{
    /// <summary>
    /// Durably appends events; returns once they survive a crash. Concurrent callers share fsyncs. Throws
    /// <see cref="SequenceHoleException"/> (keeping nothing) when an event does not continue its origin's sequence.
    /// </summary>
    ValueTask AppendAsync(IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken = default);
}

/// <summary>An event plus what the local node decided about it.</summary>
public readonly record struct StoredEvent(EventEnvelope Envelope, bool Quarantined = false);

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
public interface IEventStore : IAsyncDisposable
{
    /// <summary>The node that owns the store.</summary>
    NodeId NodeId { get; }

    /// <summary>A copy of what the store durably holds, including events compaction has since dropped.</summary>
    VersionVector Known { get; }

    /// <summary>The highest sequence of <paramref name="origin"/> held or queued for writing; 0 when none.</summary>
    ulong HighestSequence(NodeId origin);

    /// <summary>Durably appends events; returns once they survive a crash. Concurrent callers share fsyncs.</summary>
    ValueTask AppendAsync(IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken = default);

    /// <summary>Durable events of one origin from <paramref name="fromSequence"/> on, in sequence order.</summary>
    IEnumerable<StoredEvent> Read(NodeId origin, ulong fromSequence);

    /// <summary>Every held event in the fold order <c>(hlc, origin, seq)</c>.</summary>
    IEnumerable<StoredEvent> ReadInFoldOrder();
}

/// <summary>An event plus what the local node decided about it.</summary>
public readonly record struct StoredEvent(EventEnvelope Envelope, bool Quarantined = false);

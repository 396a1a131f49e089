namespace ZamSync;

/// <summary>
/// What a node's events look like from outside its engine: read-only. Only the engine appends (it mints local
/// sequences and checks replicated ones), so <see cref="ZamEngine.Events"/> hands out this view, never the store.
/// </summary>
public interface IEventLog
{
    /// <summary>The node that owns the log.</summary>
    NodeId NodeId { get; }

    /// <summary>A copy of what the log durably holds, including events compaction has since dropped.</summary>
    VersionVector Known { get; }

    /// <summary>The highest sequence of <paramref name="origin"/> held or queued for writing; 0 when none.</summary>
    ulong HighestSequence(NodeId origin);

    /// <summary>Durable events of one origin from <paramref name="fromSequence"/> on, in sequence order.</summary>
    IEnumerable<StoredEvent> Read(NodeId origin, ulong fromSequence);

    /// <summary>Every held event in the fold order <c>(hlc, origin, seq)</c>.</summary>
    IEnumerable<StoredEvent> ReadInFoldOrder();
}

namespace ZamSync.PostgreSql;

/// <summary>An append the engine queued and the writer has not committed yet.</summary>
internal sealed class PendingAppend(IReadOnlyList<StoredEvent> events, long position)
{
    public IReadOnlyList<StoredEvent> Events { get; } = events;

    public long Position { get; } = position;

    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The highest sequence of each origin in this append.</summary>
    public Dictionary<NodeId, ulong> High { get; } = new();

    /// <summary>The highest stamp of each origin in this append.</summary>
    public Dictionary<NodeId, Hlc> Stamps { get; } = new();
}

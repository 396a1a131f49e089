namespace ZamSync;

/// <summary>How one reader of <see cref="ZamEngine.Changes(VersionVector?, ChangeFeedOptions?, CancellationToken)"/> is served.</summary>
public sealed record ChangeFeedOptions
{
    /// <summary>
    /// The most events the engine keeps waiting for this reader (1024 by default). A reader this far behind stops
    /// being fed and reads the log instead until it has caught up, so a slow or stalled reader costs the engine at
    /// most this many events of memory, never more.
    /// </summary>
    public int Capacity { get; init; } = 1024;
}

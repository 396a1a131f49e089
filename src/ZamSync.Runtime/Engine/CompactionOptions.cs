namespace ZamSync;

/// <summary>Bounds on what <see cref="ZamEngine.CompactAsync(CompactionOptions?, CancellationToken)"/> may drop.</summary>
public sealed record CompactionOptions
{
    private readonly TimeSpan _minAge;
    private readonly int _maxEvents = int.MaxValue;

    /// <summary>
    /// Drop only events stamped at least this long ago by this node's clock (zero by default). Set it to the longest
    /// time a node nobody has heard of yet may work offline before its first sync: its events are the only ones the
    /// frontier rule cannot foresee (docs/engine.md, "Compaction").
    /// </summary>
    public TimeSpan MinAge
    {
        get => _minAge;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero, nameof(MinAge));
            _minAge = value;
        }
    }

    /// <summary>
    /// Retention by date: drop only events stamped before this instant (no bound by default). Combined with
    /// <see cref="MinAge"/>, the stricter of the two holds.
    /// </summary>
    public DateTimeOffset? Before { get; init; }

    /// <summary>
    /// Keep at least this many of each origin's newest events (0 by default: none need stay). Compaction drops a prefix
    /// of the fold order, so it stops at the first event that is among its origin's newest this many.
    /// </summary>
    public int KeepPerOrigin
    {
        get => _keepPerOrigin;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 0, nameof(KeepPerOrigin));
            _keepPerOrigin = value;
        }
    }

    private readonly int _keepPerOrigin;

    /// <summary>
    /// Decide what would be dropped and report it (<see cref="CompactionResult.DryRun"/>), changing nothing: the log,
    /// the state and the snapshot stay as they are.
    /// </summary>
    public bool DryRun { get; init; }

    /// <summary>Drop at most this many events in one compaction (all that may go by default).</summary>
    public int MaxEvents
    {
        get => _maxEvents;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(MaxEvents));
            _maxEvents = value;
        }
    }
}

/// <summary>What a compaction did.</summary>
/// <param name="EventsDropped">Events dropped by this compaction.</param>
/// <param name="BytesBefore">The log's length before.</param>
/// <param name="BytesAfter">The log's length after.</param>
public sealed record CompactionResult(int EventsDropped, long BytesBefore, long BytesAfter)
{
    /// <summary>Per origin, every sequence up to here is compacted (this and earlier compactions).</summary>
    public VersionVector Floors { get; init; } = new();

    /// <summary>The fold key of the last compacted event; later events that sort before it are reported, see docs/engine.md.</summary>
    public EventKey? Horizon { get; init; }

    /// <summary>
    /// What held compaction back, when it dropped less than it might have: "no peer" (a node that never synced),
    /// "peers lack", "frontier of node N", "min age", "before", "keep per origin", "max events", "unknown event type",
    /// or null when nothing held back.
    /// </summary>
    public string? StoppedBy { get; init; }

    /// <summary>True when nothing was changed (<see cref="CompactionOptions.DryRun"/>): <see cref="EventsDropped"/> and
    /// <see cref="Floors"/> say what would go, and <see cref="BytesAfter"/> is the length now.</summary>
    public bool DryRun { get; init; }

    /// <summary>Per origin, how many events this compaction dropped (or would drop, in a dry run).</summary>
    public IReadOnlyDictionary<NodeId, long> DroppedPerOrigin { get; init; } = new Dictionary<NodeId, long>();
}

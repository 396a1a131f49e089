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
    /// "peers lack", "frontier of node N", "min age", "max events", "unknown event type", or null when nothing held back.
    /// </summary>
    public string? StoppedBy { get; init; }
}

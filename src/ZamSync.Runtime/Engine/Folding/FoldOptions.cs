namespace ZamSync;

/// <summary>
/// How the engine's fold loop keeps the state up to date (docs/engine.md, "State and order"). The defaults suit
/// a hub and a clinic alike; tests shorten the delays with a fake <see cref="ZamEngineOptions.TimeProvider"/>.
/// </summary>
public sealed record FoldOptions
{
    private readonly TimeSpan _refoldDelay = TimeSpan.FromMilliseconds(50);
    private readonly TimeSpan _maxRefoldDelay = TimeSpan.FromSeconds(1);
    private readonly int _checkpoints = 8;
    private readonly int _checkpointInterval = 4096;

    /// <summary>
    /// After an event arrives that sorts before applied ones, how long the fold loop waits for the log to be quiet
    /// (no new durable batch) before it re-folds (50 ms by default), so a session that brings many late batches costs
    /// one re-fold. A <see cref="ZamEngine{TState}.Read{T}"/> re-folds at once instead of waiting.
    /// </summary>
    public TimeSpan RefoldDelay
    {
        get => _refoldDelay;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero, nameof(RefoldDelay));
            _refoldDelay = value;
        }
    }

    /// <summary>
    /// The longest a pending re-fold waits for quiet (1 s by default): under constant load the state still catches up.
    /// </summary>
    public TimeSpan MaxRefoldDelay
    {
        get => _maxRefoldDelay;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero, nameof(MaxRefoldDelay));
            _maxRefoldDelay = value;
        }
    }

    /// <summary>
    /// How many in-memory checkpoints of the state the fold keeps (8 by default; 0 keeps none). A late event re-folds
    /// from the last checkpoint before it instead of from the log's base. Each costs one state snapshot of memory;
    /// only an <see cref="ISnapshotableState"/> has them.
    /// </summary>
    public int Checkpoints
    {
        get => _checkpoints;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(Checkpoints));
            _checkpoints = value;
        }
    }

    /// <summary>
    /// The fewest events applied between two checkpoints (4096 by default). A large state is checkpointed less often:
    /// at least one event applied per 256 bytes of its last snapshot, so taking snapshots stays a small part of the
    /// fold's work however large the state grows.
    /// </summary>
    public int CheckpointInterval
    {
        get => _checkpointInterval;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(CheckpointInterval));
            _checkpointInterval = value;
        }
    }
}

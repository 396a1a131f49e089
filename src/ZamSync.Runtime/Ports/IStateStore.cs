using System.Buffers;

namespace ZamSync;

/// <summary>
/// The application's state: the fold of every event, applied in the order <c>(hlc, origin, seq)</c>.
/// The engine calls it from one thread at a time.
/// </summary>
public interface IStateStore
{
    /// <summary>Applies one event. The payload memory is only valid during the call.</summary>
    void Apply(in EventEnvelope envelope);

    /// <summary>
    /// Forgets everything. Called before a re-fold: when an event arrives that sorts before events already
    /// applied, the engine resets the state and applies every event again in order.
    /// </summary>
    void Reset();
}

/// <summary>
/// A state that can save and restore itself. The engine uses snapshots to open quickly, to keep
/// re-folds cheap, and as the base of a compacted log (compaction requires it).
/// </summary>
public interface ISnapshotableState : IStateStore
{
    void WriteSnapshot(IBufferWriter<byte> destination);

    /// <summary>Replaces the whole state with a snapshot written by <see cref="WriteSnapshot"/>.</summary>
    void ReadSnapshot(ReadOnlySpan<byte> snapshot);
}

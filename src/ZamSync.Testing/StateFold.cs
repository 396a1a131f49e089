using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using ZamSync.Inspection;

namespace ZamSync.Testing;

/// <summary>
/// Folds events into a fresh state the way an engine does, in memory: each event once (by origin and sequence), in the
/// fold order <c>(hlc, origin, seq)</c> whatever order they are given in. What a test of a contract asks: does this
/// state, folded from these events, hash as expected; do two folds (another order, another node's log) agree.
/// </summary>
public static class StateFold
{
    /// <summary>A new <typeparamref name="TState"/> with <paramref name="events"/> applied.</summary>
    public static TState Fold<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TState>(
        IEnumerable<EventEnvelope> events)
        where TState : IStateStore, new()
    {
        var state = new TState();
        Apply(state, events);
        return state;
    }

    /// <summary>
    /// Applies <paramref name="events"/> to <paramref name="state"/> in fold order; of two events with the same origin
    /// and sequence only the first given is applied, as an engine stores an event once.
    /// </summary>
    public static void Apply(IStateStore state, IEnumerable<EventEnvelope> events)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(events);
        foreach (var e in events.DistinctBy(e => (e.Origin, e.Sequence)).OrderBy(e => e.Key)) state.Apply(e);
    }

    /// <summary>The <see cref="Hash(ISnapshotableState)"/> of a new <typeparamref name="TState"/> with <paramref name="events"/> applied.</summary>
    public static string Hash<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TState>(
        IEnumerable<EventEnvelope> events)
        where TState : ISnapshotableState, new() =>
        Hash(Fold<TState>(events));

    /// <summary>
    /// The digest of <paramref name="state"/>'s snapshot (its generated formatter's bytes): the digest
    /// <c>zamsync verify --contract</c> prints for a node's folded log (<see cref="FoldCheck.Digest"/>), so a test can
    /// pin the state a log must fold to and a node's verify can be checked against it.
    /// </summary>
    public static string Hash(ISnapshotableState state) => FoldCheck.Digest(Snapshot(state));

    /// <summary>
    /// Whether <paramref name="a"/> and <paramref name="b"/> write the same snapshot bytes. Folds of the same events
    /// always do (the contract's rules make Apply deterministic); two states reached by different histories may hold
    /// equal members and still differ here, when the order of a dictionary's entries depends on its removals.
    /// </summary>
    public static bool Same(ISnapshotableState a, ISnapshotableState b) => Snapshot(a).AsSpan().SequenceEqual(Snapshot(b));

    /// <summary>The bytes <paramref name="state"/>'s snapshot formatter writes.</summary>
    public static byte[] Snapshot(ISnapshotableState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var bytes = new ArrayBufferWriter<byte>();
        state.WriteSnapshot(bytes);
        return bytes.WrittenSpan.ToArray();
    }
}

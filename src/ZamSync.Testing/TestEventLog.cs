using MemoryPack;

namespace ZamSync.Testing;

/// <summary>
/// Events as nodes would have made them, built in a test without an engine or a data directory, to fold into a state
/// (<see cref="StateFold"/>). <see cref="Add"/> gives each event what the engine gives a local one: its origin's next
/// sequence (1, 2, 3...), a hybrid-logical-clock stamp from the clock, and its payload written by its generated
/// formatter. All origins share the one clock, as nodes with perfectly synchronised clocks would; order events across
/// origins by moving the clock between them.
/// </summary>
/// <remarks>Not thread-safe: a test builds its log from one thread.</remarks>
public sealed class TestEventLog
{
    private readonly TimeProvider _clock;
    private readonly List<EventEnvelope> _events = [];
    private readonly Dictionary<NodeId, ulong> _sequences = [];
    private Hlc _last;

    /// <summary>A log stamped from <paramref name="clock"/>, or from a new <see cref="TestClock"/> when null.</summary>
    public TestEventLog(TimeProvider? clock = null) => _clock = clock ?? new TestClock();

    /// <summary>The events in the order they were added (which is also their fold order, since stamps only grow).</summary>
    public IReadOnlyList<EventEnvelope> Events => _events;

    /// <summary>Adds <paramref name="e"/> as <paramref name="origin"/>'s next event and returns its envelope.</summary>
    public EventEnvelope Add<TEvent>(NodeId origin, TEvent e) where TEvent : IZamEvent<TEvent>
    {
        ArgumentNullException.ThrowIfNull(e);
        ulong sequence = _sequences.GetValueOrDefault(origin) + 1;
        _sequences[origin] = sequence;
        _last = _last.Tick(_clock.GetUtcNow().ToUnixTimeMilliseconds());
        var envelope = new EventEnvelope(origin, sequence, _last, TEvent.EventTypeId, MemoryPackSerializer.Serialize(e));
        _events.Add(envelope);
        return envelope;
    }
}

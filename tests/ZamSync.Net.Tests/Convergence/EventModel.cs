using System.Text;
using ZamSync.Tests.Support;

namespace ZamSync.Net.Tests.Convergence;

/// <summary>
/// What the world must converge to: every event a node acknowledged, once, by (origin, sequence). A node's state
/// must equal the plain in-order fold of all of them; its log must hold them all above what it compacted.
/// </summary>
internal sealed class EventModel
{
    private readonly Dictionary<(NodeId Origin, ulong Sequence), EventEnvelope> _events = new();

    public int Count => _events.Count;

    /// <summary>Records an acknowledged submit; a second, different event under the same identity is a re-minted sequence.</summary>
    public void Add(EventEnvelope e)
    {
        var copy = e with { Payload = e.Payload.ToArray() };
        if (_events.TryGetValue((e.Origin, e.Sequence), out var known))
        {
            if (!Same(known, copy)) throw new ConvergenceViolation($"{e.Origin}#{e.Sequence} was acknowledged twice with different contents: {Describe(known)} and {Describe(copy)}.");
            return;
        }
        _events.Add((e.Origin, e.Sequence), copy);
    }

    public bool Contains(NodeId origin, ulong sequence) => _events.ContainsKey((origin, sequence));

    public bool TryGet(NodeId origin, ulong sequence, out EventEnvelope e) => _events.TryGetValue((origin, sequence), out e);

    /// <summary>The highest sequence of each origin; sequences below it must all be present (checked by <see cref="CheckContiguous"/>).</summary>
    public Dictionary<NodeId, ulong> Heads() =>
        _events.Keys.GroupBy(k => k.Origin).ToDictionary(g => g.Key, g => g.Max(k => k.Sequence));

    public IEnumerable<NodeId> Origins => _events.Keys.Select(k => k.Origin).Distinct();

    /// <summary>Every origin's sequences run 1..n without a hole (a hole would mean an acknowledged event vanished).</summary>
    public void CheckContiguous()
    {
        foreach (var (origin, head) in Heads())
            for (ulong s = 1; s <= head; s++)
                if (!_events.ContainsKey((origin, s)))
                    throw new ConvergenceViolation($"The model holds {origin} up to #{head} but not #{s}.");
    }

    /// <summary>The state a node holding exactly these events must show: their fold in (hlc, origin, sequence) order.</summary>
    public List<string> ReferenceFold()
    {
        var state = new LedgerState();
        foreach (var e in _events.Values.OrderBy(e => e.Hlc).ThenBy(e => e.Origin.Value).ThenBy(e => e.Sequence)) state.Apply(e);
        return state.Entries.ToList();
    }

    public static bool Same(EventEnvelope a, EventEnvelope b) =>
        a.Origin == b.Origin && a.Sequence == b.Sequence && a.Hlc == b.Hlc && a.EventType == b.EventType && a.Payload.Span.SequenceEqual(b.Payload.Span);

    public static string Describe(EventEnvelope e) => $"{e.Origin}#{e.Sequence} at {e.Hlc} type {e.EventType} '{Encoding.UTF8.GetString(e.Payload.Span)}'";
}

/// <summary>A world broke a promise; the message says which and where.</summary>
internal sealed class ConvergenceViolation(string message) : Exception(message);

namespace ZamSync.Tests.Support;

/// <summary>
/// Waits for events to arrive at an engine by reading its change feed: a real signal, no metrics to infer from and
/// no polling. The feed replays what is already held, so starting the wait late misses nothing.
/// </summary>
public static class ChangeFeedWaits
{
    /// <summary>
    /// Completes once <paramref name="engine"/> holds at least <paramref name="count"/> events beyond
    /// <paramref name="from"/> (everything, when null); returns the vector of what the wait saw.
    /// </summary>
    public static async Task<VersionVector> WaitForEventsAsync(this ZamEngine engine, int count, VersionVector? from = null, CancellationToken cancellationToken = default)
    {
        var seen = from?.Clone() ?? new VersionVector();
        if (count <= 0) return seen;
        int arrived = 0;
        await foreach (var change in engine.Changes(from, cancellationToken))
        {
            seen.Advance(change.Envelope.Origin, change.Envelope.Sequence);
            if (++arrived >= count) return seen;
        }
        throw new InvalidOperationException($"Engine {engine.NodeId} closed after {arrived} of the {count} events awaited.");
    }

    /// <summary>Completes once <paramref name="engine"/> holds everything <paramref name="target"/> covers.</summary>
    public static async Task WaitForAsync(this ZamEngine engine, VersionVector target, CancellationToken cancellationToken = default)
    {
        // From the compacted floors: what lies below them is held already, and the feed could not replay it.
        var seen = engine.Compacted;
        if (seen.Dominates(target)) return;
        await foreach (var change in engine.Changes(seen, cancellationToken))
        {
            seen.Advance(change.Envelope.Origin, change.Envelope.Sequence);
            if (seen.Dominates(target)) return;
        }
        throw new InvalidOperationException($"Engine {engine.NodeId} closed holding {seen}, short of {target}.");
    }
}

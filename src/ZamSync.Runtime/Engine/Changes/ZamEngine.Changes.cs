using System.Runtime.CompilerServices;

namespace ZamSync;

// The change feed: every held event a reader has not seen, then new ones as they become durable. Each reader has a
// bounded buffer the log's committer fills; a reader whose buffer is full is dropped from it and reads the log
// instead until it has caught up (docs/engine.md, "Change feed").
public abstract partial class ZamEngine
{
    private readonly ChangeFeed _changes = new();

    /// <summary>The engine's side of the change feed (internal for tests that check its memory stays bounded).</summary>
    internal ChangeFeed ChangeFeed => _changes;

    /// <summary>
    /// The log's committer calls this, in commit order, once a batch is durable and published to the log's index. It
    /// runs no user code: the feed takes its copies and the fold loop is woken. A reader that sees an event here and
    /// then reads the state through <see cref="ZamEngine{TState}.Read{T}"/> finds it applied, because a read first
    /// catches the fold up with everything the index holds.
    /// </summary>
    private void OnCommitted(CommittedBatch batch)
    {
        // The fold reads by position in the fold order, not by batch number.
        NoteDurable(batch.Events);
        _changes.Publish(batch.Events);
    }

    /// <summary>
    /// Every held event not covered by <paramref name="from"/>, then every new event as it becomes durable and applied,
    /// until cancelled or the engine is disposed. See <see cref="Changes(VersionVector?, ChangeFeedOptions?, CancellationToken)"/>.
    /// </summary>
    public IAsyncEnumerable<ChangeFeedEvent> Changes(VersionVector? from = null, CancellationToken cancellationToken = default) =>
        Changes(from, null, cancellationToken);

    /// <summary>
    /// Every held event not covered by <paramref name="from"/>, each exactly once, then every new event as it becomes
    /// durable (and applied, or quarantined), until cancelled or the engine is disposed.
    /// </summary>
    /// <remarks>
    /// <para>Resuming: sequences are contiguous per origin, so a reader's cursor is a version vector of the highest
    /// sequence it has seen per origin (<c>cursor.Advance(e.Origin, e.Sequence)</c>). Passing it as
    /// <paramref name="from"/> after a restart yields exactly what came after, with no gaps and no duplicates.</para>
    /// <para>Order: each origin's events come in sequence order. Across origins the feed promises nothing: held events
    /// come origin by origin, live ones in the order they became durable (not the fold order).</para>
    /// <para>Memory: the engine buffers at most <see cref="ChangeFeedOptions.Capacity"/> events for this reader, however
    /// slowly it reads; a reader that falls that far behind catches up from the log.</para>
    /// <para>Ending: cancelling throws <see cref="OperationCanceledException"/>; disposing the engine ends the
    /// enumeration normally once the reader has taken what was buffered for it (resume from the cursor after
    /// reopening). Calling this on a disposed engine throws <see cref="ObjectDisposedException"/>. When the cursor needs
    /// events this node has compacted away, the enumeration throws <see cref="EventsCompactedException"/>: start from
    /// <see cref="Compacted"/> (and rebuild what the feed drives from the state) instead.</para>
    /// </remarks>
    public IAsyncEnumerable<ChangeFeedEvent> Changes(VersionVector? from, ChangeFeedOptions? options, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        options ??= new ChangeFeedOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Capacity, 1, "options.Capacity");
        return ReadChangesAsync(from?.Clone() ?? new VersionVector(), options.Capacity, cancellationToken);
    }

    private async IAsyncEnumerable<ChangeFeedEvent> ReadChangesAsync(VersionVector cursor, int capacity, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Subscribed before anything is read from the log: a batch the log does not show yet is published to the
        // index before the committer offers it, so it reaches this reader one way or the other (or both: the
        // cursor drops the second copy).
        var subscription = _changes.Subscribe(capacity);
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (subscription.TryRead(out var live))
                {
                    var e = live.Envelope;
                    ulong seen = cursor[e.Origin];
                    if (e.Sequence <= seen) continue; // already read from the log
                    if (e.Sequence != seen + 1)
                    {
                        // Not expected (the committer feeds in commit order), but a hole must never be skipped: the
                        // log holds what is missing.
                        subscription.FallBehind();
                        continue;
                    }
                    cursor.Advance(e.Origin, e.Sequence);
                    yield return live;
                    continue;
                }
                if (subscription.TryReattach())
                {
                    ThrowIfFeedCompacted(cursor);
                    foreach (var origin in _store.Known.Origins.ToArray())
                    {
                        using var held = _store.Read(origin, cursor[origin] + 1).GetEnumerator();
                        while (true)
                        {
                            cancellationToken.ThrowIfCancellationRequested();
                            var step = NextFromLog(held);
                            if (step == LogStep.End) break;
                            if (step == LogStep.Closed) yield break; // the engine closed under the catch-up
                            var stored = held.Current;
                            cursor.Advance(origin, stored.Envelope.Sequence);
                            yield return new ChangeFeedEvent(stored.Envelope, stored.Quarantined);
                        }
                    }
                    continue;
                }
                if (!await subscription.WaitAsync(cancellationToken).ConfigureAwait(false)) yield break; // the engine closed
            }
        }
        finally
        {
            _changes.Unsubscribe(subscription);
        }
    }

    private enum LogStep { Event, End, Closed }

    /// <summary>
    /// Moves a log read on: to its next event, to the end of the origin's events, or to <see cref="LogStep.Closed"/>
    /// when the engine was disposed meanwhile (the feed then ends, as it does when the engine closes under a live reader).
    /// </summary>
    private LogStep NextFromLog(IEnumerator<StoredEvent> held)
    {
        try
        {
            return held.MoveNext() ? LogStep.Event : LogStep.End;
        }
        catch (ObjectDisposedException) when (Volatile.Read(ref _disposed) != 0)
        {
            return LogStep.Closed;
        }
        catch (EventsCompactedException ex)
        {
            // Compacted while this reader was behind.
            throw FeedCompacted(ex.Origin, ex.Requested, ex.Floor);
        }
    }

    private void ThrowIfFeedCompacted(VersionVector cursor)
    {
        if (_store.Base is not { } compacted) return;
        foreach (var (origin, floor) in compacted.Floors)
            if (cursor[origin] < floor) throw FeedCompacted(origin, cursor[origin] + 1, floor);
    }

    private static EventsCompactedException FeedCompacted(NodeId origin, ulong requested, ulong floor) =>
        new(origin, requested, floor,
            $"The change feed needs events of origin {origin} from sequence {requested}, but this node compacted them (it keeps only those after {floor}). " +
            "Rebuild what the feed drives from the state, then read the feed from engine.Compacted.");
}

using ZamSync.Storage;

namespace ZamSync;

/// <summary>
/// The engine's side of the change feed: every reader's bounded buffer, filled by the log's committer as batches
/// become durable. Publishing never blocks and never waits for a reader.
/// </summary>
internal sealed class ChangeFeed
{
    private readonly Lock _gate = new();
    // Copied on change so the committer reads it without a lock.
    private ChangeSubscription[] _subscriptions = [];
    private bool _completed;
    private int _highWater;
    private long _fellBehind;

    /// <summary>The most events any one reader's buffer has held (for tests: never above its capacity).</summary>
    public int HighWater => Volatile.Read(ref _highWater);

    /// <summary>How often a reader's buffer was full, so it had to catch up from the log.</summary>
    public long FellBehind => Interlocked.Read(ref _fellBehind);

    /// <summary>Readers currently subscribed.</summary>
    public int Readers => Volatile.Read(ref _subscriptions).Length;

    /// <summary>Events buffered for all readers right now.</summary>
    public int Buffered => Volatile.Read(ref _subscriptions).Sum(s => s.Buffered);

    public ChangeSubscription Subscribe(int capacity)
    {
        var subscription = new ChangeSubscription(capacity);
        lock (_gate)
        {
            if (_completed) subscription.Complete();
            else _subscriptions = [.. _subscriptions, subscription];
        }
        return subscription;
    }

    public void Unsubscribe(ChangeSubscription subscription)
    {
        lock (_gate) _subscriptions = Array.FindAll(_subscriptions, s => !ReferenceEquals(s, subscription));
        subscription.Complete();
    }

    /// <summary>
    /// Called by the committer, in commit order, after <paramref name="batch"/> is published to the log's index (so a
    /// reader that misses it here finds it in the log).
    /// </summary>
    public void Publish(IReadOnlyList<StoredEvent> batch)
    {
        var subscriptions = Volatile.Read(ref _subscriptions);
        if (subscriptions.Length == 0) return;
        foreach (var stored in batch)
        {
            ChangeFeedEvent? change = null;
            bool anyFed = false;
            foreach (var subscription in subscriptions)
            {
                if (subscription.IsLagging) continue;
                // A submitter may reuse its payload buffer once SubmitAsync returns, and a received batch's payloads
                // share one array: an own copy per event keeps what a reader holds valid and what it pins small.
                change ??= new ChangeFeedEvent(stored.Envelope with { Payload = stored.Envelope.Payload.ToArray() }, stored.Quarantined);
                if (subscription.Offer(change.Value))
                {
                    anyFed = true;
                    NoteDepth(subscription.Buffered);
                }
                else
                {
                    Interlocked.Increment(ref _fellBehind);
                }
            }
            if (!anyFed) return; // every reader is behind: the rest of the batch waits for them in the log
        }
    }

    /// <summary>Ends every reader's feed (the engine closed): each drains what it has, then its enumeration ends.</summary>
    public void Complete()
    {
        ChangeSubscription[] subscriptions;
        lock (_gate)
        {
            _completed = true;
            subscriptions = _subscriptions;
        }
        foreach (var subscription in subscriptions) subscription.Complete();
    }

    private void NoteDepth(int depth)
    {
        int seen = Volatile.Read(ref _highWater);
        while (depth > seen)
        {
            int was = Interlocked.CompareExchange(ref _highWater, depth, seen);
            if (was == seen) return;
            seen = was;
        }
    }
}

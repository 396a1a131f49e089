namespace ZamSync.AspNetCore.Events;

/// <summary>
/// Counts the event streams being served, so a burst of readers costs the engine a bounded number of change-feed
/// subscriptions (each buffers up to its capacity) instead of growing without limit.
/// </summary>
internal sealed class EventStreamSlots(ZamSyncApiOptions options)
{
    private int _taken;

    public int Active => Volatile.Read(ref _taken);

    /// <summary>A slot, released on dispose; null when all are taken.</summary>
    public IDisposable? TryTake()
    {
        if (Interlocked.Increment(ref _taken) <= options.MaxStreams) return new Lease(this);
        Interlocked.Decrement(ref _taken);
        return null;
    }

    private sealed class Lease(EventStreamSlots owner) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) Interlocked.Decrement(ref owner._taken);
        }
    }
}

namespace ZamSync;

/// <summary>
/// An asynchronous budget of bytes, granted first come first served: what every session of an engine may hold in
/// memory between receiving a batch and seeing it durable. A grant that is larger than the whole budget is given when
/// nothing else is held, so one oversized batch cannot wait forever.
/// </summary>
/// <remarks>
/// Waiting never depends on another grant: what holds the budget is a batch already queued for the disk, which
/// becomes durable (or fails) on its own and gives its bytes back. So sessions that wait on it cannot deadlock.
/// </remarks>
internal sealed class ByteBudget(long capacity)
{
    private readonly Lock _gate = new();
    private readonly LinkedList<Waiter> _waiting = new();
    private long _held;

    public long Capacity { get; } = capacity;

    /// <summary>Bytes granted and not yet given back.</summary>
    public long Held
    {
        get { lock (_gate) return _held; }
    }

    /// <summary>Completes once <paramref name="bytes"/> are granted; give them back with <see cref="Release"/>.</summary>
    public ValueTask AcquireAsync(long bytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Waiter waiter;
        lock (_gate)
        {
            // In order: a small batch does not overtake a larger one that waits.
            if (_waiting.Count == 0 && Fits(bytes))
            {
                _held += bytes;
                return ValueTask.CompletedTask;
            }
            cancellationToken.ThrowIfCancellationRequested();
            waiter = new Waiter(bytes);
            waiter.Node = _waiting.AddLast(waiter);
        }
        if (cancellationToken.CanBeCanceled)
            waiter.Cancellation = cancellationToken.Register(static state =>
            {
                var (budget, w) = ((ByteBudget, Waiter))state!;
                budget.Cancel(w);
            }, (this, waiter));
        return new ValueTask(waiter.Granted.Task);
    }

    /// <summary>Gives back <paramref name="bytes"/> granted earlier and grants waiters, in order, while they fit.</summary>
    public void Release(long bytes)
    {
        List<Waiter>? granted = null;
        lock (_gate)
        {
            _held -= bytes;
            while (_waiting.First is { } first && Fits(first.Value.Bytes))
            {
                _waiting.RemoveFirst();
                first.Value.Node = null;
                _held += first.Value.Bytes;
                (granted ??= []).Add(first.Value);
            }
        }
        if (granted is null) return;
        foreach (var waiter in granted)
        {
            waiter.Cancellation.Dispose();
            waiter.Granted.TrySetResult();
        }
    }

    private bool Fits(long bytes) => _held == 0 || _held + bytes <= Capacity;

    private void Cancel(Waiter waiter)
    {
        lock (_gate)
        {
            if (waiter.Node is null) return; // granted already: the caller releases as usual
            _waiting.Remove(waiter.Node);
            waiter.Node = null;
        }
        waiter.Granted.TrySetCanceled();
        // A waiter ahead of others may have been what held them back.
        Release(0);
    }

    private sealed class Waiter(long bytes)
    {
        public long Bytes { get; } = bytes;
        public TaskCompletionSource Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public LinkedListNode<Waiter>? Node { get; set; }
        public CancellationTokenRegistration Cancellation { get; set; }
    }
}

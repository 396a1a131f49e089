namespace ZamSync.Sync;

/// <summary>
/// The receiving side of a session: queues each batch the peer sends for writing as soon as it arrives, and lets the
/// session read the next one while earlier ones are still being made durable, so the log's group commit merges them
/// (with each other and with other sessions' batches) instead of paying one fsync per batch. What waits for the disk
/// is bounded by <see cref="SyncOptions.MaxReceivedBytesInFlight"/>; the session acknowledges nothing before
/// <see cref="DrainAsync"/> has seen every batch durable.
/// </summary>
/// <remarks>
/// Ordering: <see cref="ZamEngine.IngestAsync"/> classifies a batch and queues it in the store under the engine's
/// ingest lock before its first await, so when it returns the batch has its place in the store's order. The next
/// batch is then checked against what is queued: its events continue the queued sequences instead of looking like a
/// hole, and a replay of a queued event waits for that write. This is what makes it safe to start a batch before the
/// previous one is durable; an ingest that awaited anything before queuing would break it.
/// <para>
/// Failures: the store writes appends in the order they were queued and fails every append queued behind a failed
/// write, taking them back. A batch queued after such a rollback is checked against the store without them and may be
/// refused as a hole it did not make, so a failure is always reported as the earliest batch's: the session fails with
/// the write error, not a protocol error, and acknowledges nothing.
/// </para>
/// </remarks>
internal sealed class ReceivePipeline
{
    /// <summary>What an event costs beyond its payload while it waits (its identity, stamp, type and bookkeeping).</summary>
    internal const int EventOverheadBytes = 64;

    private readonly ZamEngine _engine;
    private readonly NodeId _peer;
    private readonly long _maxInFlight;
    private readonly CancellationToken _cancellationToken;
    private readonly Action<IngestResult> _durable;
    private readonly Queue<(Task<IngestResult> Ingest, long Bytes)> _inFlight = new();
    private long _bytesInFlight;

    /// <param name="durable">Called once per batch, in order, when it is durable (to count it and report progress).</param>
    public ReceivePipeline(ZamEngine engine, NodeId peer, long maxInFlight, Action<IngestResult> durable, CancellationToken cancellationToken)
    {
        _engine = engine;
        _peer = peer;
        _maxInFlight = maxInFlight;
        _durable = durable;
        _cancellationToken = cancellationToken;
    }

    /// <summary>The bytes (as <see cref="SizeOf"/> counts them) of batches queued and not yet seen durable.</summary>
    public long BytesInFlight => _bytesInFlight;

    /// <summary>How a batch counts against the bound: its payloads plus <see cref="EventOverheadBytes"/> an event.</summary>
    public static long SizeOf(IReadOnlyList<EventEnvelope> events)
    {
        long bytes = (long)events.Count * EventOverheadBytes;
        for (int i = 0; i < events.Count; i++) bytes += events[i].Payload.Length;
        return bytes;
    }

    /// <summary>
    /// Queues <paramref name="events"/> for writing (synchronously, in arrival order), then waits, oldest first, until
    /// what is still in flight fits the bound again: the caller reads the next batch only with room for it.
    /// </summary>
    public async ValueTask EnqueueAsync(IReadOnlyList<EventEnvelope> events)
    {
        long bytes = SizeOf(events);
        // The engine-wide bound (ZamEngineOptions.MaxIngestBytesInFlight), taken before the ingest starts, so this
        // session's batches still queue in arrival order. Given back when the batch is durable or failed, not when this
        // session gets round to looking: a session waiting here must not hold back its own finished batches.
        var budget = _engine.IngestBudget;
        await budget.AcquireAsync(bytes, _cancellationToken).ConfigureAwait(false);
        Task<IngestResult> ingest;
        try
        {
            // Queued by the time this returns (see the remarks): nothing else may run between two batches' ingests.
            ingest = _engine.IngestAsync(events, _peer, _cancellationToken).AsTask();
        }
        catch
        {
            budget.Release(bytes);
            throw;
        }
        _ = ingest.ContinueWith(static (_, state) =>
        {
            var (b, n) = ((ByteBudget, long))state!;
            b.Release(n);
        }, (budget, bytes), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        _inFlight.Enqueue((ingest, bytes));
        _bytesInFlight += bytes;
        // A refusal (a hole, an event with no identity) is known at once: it stops the session now, reported in batch
        // order (an earlier write that failed explains a hole that follows it).
        if (ingest.IsFaulted)
        {
            await DrainAsync().ConfigureAwait(false);
            return;
        }
        while (_inFlight.TryPeek(out var oldest) && (oldest.Ingest.IsCompleted || _bytesInFlight > _maxInFlight))
            await CompleteOldestAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Waits until every queued batch is durable. Throws the earliest batch's failure (after the later ones have
    /// finished too, so none is left behind unobserved and the counts are exact).
    /// </summary>
    public async ValueTask DrainAsync()
    {
        Exception? first = null;
        while (_inFlight.Count > 0)
        {
            try
            {
                await CompleteOldestAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (first is null)
            {
                first = ex;
            }
            catch (Exception)
            {
                // A later batch failing after an earlier one: the earlier failure is the cause.
            }
        }
        if (first is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
    }

    /// <summary>
    /// After the session failed for another reason (the link, a deadline): waits for what is queued, so the counts say
    /// what this session made durable, without letting a failure here hide the session's own.
    /// </summary>
    public async ValueTask SettleAfterFailureAsync()
    {
        try
        {
            await DrainAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The session's own error is what the caller must see; a queued write that failed too kept nothing.
        }
    }

    private async ValueTask CompleteOldestAsync()
    {
        var (ingest, bytes) = _inFlight.Dequeue();
        _bytesInFlight -= bytes;
        _durable(await ingest.ConfigureAwait(false));
    }
}

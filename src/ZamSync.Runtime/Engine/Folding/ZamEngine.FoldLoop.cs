using System.Threading.Channels;
using ZamSync.Storage;

namespace ZamSync;

// The fold loop: a task of the engine that applies what the log's committer made durable. The committer only
// leaves a wake-up here (a channel of one slot: however far the fold lags, nothing queues but that one flag; the
// fold reads the events themselves from the log). Late events are re-folded once the log has been quiet for
// FoldOptions.RefoldDelay, so a session streaming many late batches costs one re-fold instead of one per batch.
public abstract partial class ZamEngine
{
    private readonly Channel<bool> _foldWake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });
    private readonly CancellationTokenSource _foldStop = new();
    private Task _foldLoop = Task.CompletedTask;
    // The highest key the committer has published (committer only, after open), and the lowest key it published
    // below an earlier one since the last re-fold (guarded by _lateGate): only for the re-fold's log line, which
    // names the late event. Correctness never depends on them: the fold checks its prefix against the log.
    private EventKey? _durableHigh;
    private readonly Lock _lateGate = new();
    private EventKey? _earliestLate;

    private void StartFoldLoop() => _foldLoop = Task.Run(FoldLoopAsync);

    /// <summary>Called by the log's committer for each durable batch: cheap, never blocks, never runs user code.</summary>
    private void NoteDurable(IReadOnlyList<StoredEvent> batch)
    {
        if (StateStore is null || batch.Count == 0) return;
        var low = batch[0].Envelope.Key;
        var high = low;
        for (int i = 1; i < batch.Count; i++)
        {
            var key = batch[i].Envelope.Key;
            if (key < low) low = key;
            if (key > high) high = key;
        }
        if (_durableHigh is { } before && low < before)
            lock (_lateGate)
                if (_earliestLate is not { } earliest || low < earliest) _earliestLate = low;
        if (_durableHigh is not { } top || high > top) _durableHigh = high;
        _foldWake.Writer.TryWrite(true);
    }

    /// <summary>At open, before the committer publishes anything: the highest key held so far.</summary>
    private void NoteDurableHigh(FoldView view)
    {
        if (view.Count > 0) _durableHigh = _store.ReadFoldKeys(view, view.Count - 1).First();
    }

    private EventKey? TakeEarliestLate()
    {
        lock (_lateGate)
        {
            var late = _earliestLate;
            _earliestLate = null;
            return late;
        }
    }

    private async Task FoldLoopAsync()
    {
        var stop = _foldStop.Token;
        try
        {
            while (await _foldWake.Reader.WaitToReadAsync(stop).ConfigureAwait(false))
            {
                _foldWake.Reader.TryRead(out _);
                if (FoldStep(refoldNow: false)) continue;
                await WaitForQuietAsync(stop).ConfigureAwait(false);
                FoldStep(refoldNow: true);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Closing: the close folds what is left itself.
        }
    }

    /// <summary>One pass of the loop; false when late events wait for a re-fold.</summary>
    private bool FoldStep(bool refoldNow)
    {
        try
        {
            lock (_stateLock) return CatchUpLocked(refoldNow);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The log could not be read (damage found by a checksum, the disk failing). Readers retry and see the
            // error themselves; the loop stays up for the next batch.
            Diagnostics.EngineLog.FoldFailed(Loggers.Engine, ex.Message, ex);
            return true;
        }
    }

    /// <summary>Waits until no batch became durable for RefoldDelay, or MaxRefoldDelay has passed, or the log closes.</summary>
    private async Task WaitForQuietAsync(CancellationToken stop)
    {
        var time = _options.TimeProvider;
        var fold = _options.Fold;
        long started = time.GetTimestamp();
        while (true)
        {
            var left = fold.MaxRefoldDelay - time.GetElapsedTime(started);
            var wait = left < fold.RefoldDelay ? left : fold.RefoldDelay;
            if (wait <= TimeSpan.Zero) return;
            using var either = CancellationTokenSource.CreateLinkedTokenSource(stop);
            var quiet = Task.Delay(wait, time, either.Token);
            var woken = _foldWake.Reader.WaitToReadAsync(either.Token).AsTask();
            var first = await Task.WhenAny(quiet, woken).ConfigureAwait(false);
            await either.CancelAsync().ConfigureAwait(false);
            stop.ThrowIfCancellationRequested();
            if (first == quiet) return;
            if (!await woken.ConfigureAwait(false)) return; // the committer stopped: nothing more will come
            _foldWake.Reader.TryRead(out _); // another batch: not quiet yet
        }
    }

    /// <summary>Stops the loop (after the committer stopped); the close then folds what is left on its own thread.</summary>
    private async Task StopFoldLoopAsync()
    {
        _foldWake.Writer.TryComplete();
        await _foldStop.CancelAsync().ConfigureAwait(false);
        await _foldLoop.ConfigureAwait(false);
        _foldStop.Dispose();
    }
}

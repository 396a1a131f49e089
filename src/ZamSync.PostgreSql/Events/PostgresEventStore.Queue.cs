using Npgsql;

namespace ZamSync.PostgreSql;

public sealed partial class PostgresEventStore
{
    /// <summary>At most this many events go into one transaction when appends queue up behind a commit.</summary>
    private const int MaxGroupEvents = 8_192;

    /// <inheritdoc />
    /// <remarks>
    /// Checks the sequence against this process's view plus what it has queued, as the embedded log does. The
    /// database decides at commit: a hole found there (another process appended, or took one of this node's own
    /// sequences) fails the ticket with <see cref="SequenceHoleException"/>.
    /// </remarks>
    public bool TryAppend(IReadOnlyList<StoredEvent> events, out AppendTicket ticket, out SequenceHole hole)
    {
        ArgumentNullException.ThrowIfNull(events);
        hole = default;
        ticket = AppendTicket.Durable;
        if (events.Count == 0) return true;
        var copy = events.ToArray(); // the caller may reuse its list once we return
        lock (_viewGate)
        {
            ObjectDisposedException.ThrowIf(_stopped, this);
            var pending = new PendingAppend(copy, ++_position);
            foreach (var e in copy)
            {
                var env = e.Envelope;
                if (env.Origin.IsEmpty) throw new ArgumentException("An event needs a non-zero origin.", nameof(events));
                ulong next = (pending.High.TryGetValue(env.Origin, out var last) ? last : HighestLocked(env.Origin)) + 1;
                if (env.Sequence != next)
                {
                    hole = new SequenceHole(env.Origin, next, env.Sequence);
                    return false;
                }
                pending.High[env.Origin] = env.Sequence;
                if (!pending.Stamps.TryGetValue(env.Origin, out var stamp) || env.Hlc > stamp) pending.Stamps[env.Origin] = env.Hlc;
            }
            _pending.Add(pending);
            RecountQueuedLocked();
            // Written under the lock, so the writer sees appends in the order they were accepted.
            _queue.Writer.TryWrite(pending);
            ticket = new AppendTicket(pending.Position, pending.Done.Task);
        }
        return true;
    }

    /// <inheritdoc />
    public ValueTask WaitDurableAsync(AppendTicket ticket, CancellationToken cancellationToken = default) =>
        ticket.State is Task done ? new ValueTask(cancellationToken.CanBeCanceled ? done.WaitAsync(cancellationToken) : done) : ValueTask.CompletedTask;

    /// <inheritdoc />
    public Task? WhenDurable(NodeId origin, ulong sequence)
    {
        lock (_viewGate)
        {
            if (_view.TryGetValue(origin, out var row) && row.Held >= sequence) return null;
            foreach (var pending in _pending)
                if (pending.High.TryGetValue(origin, out var high) && high >= sequence) return pending.Done.Task;
            return null;
        }
    }

    /// <inheritdoc />
    public async ValueTask<IAsyncDisposable> PauseCommitsAsync(CancellationToken cancellationToken = default)
    {
        await _commitGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new GateRelease(_commitGate);
    }

    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        var group = new List<PendingAppend>();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            group.Clear();
            int events = 0;
            while (events < MaxGroupEvents && reader.TryRead(out var next))
            {
                group.Add(next);
                events += next.Events.Count;
            }
            if (group.Count == 0) continue;
            await _commitGate.WaitAsync().ConfigureAwait(false);
            try
            {
                await CommitGroupAsync(group).ConfigureAwait(false);
            }
            finally
            {
                _commitGate.Release();
            }
        }
    }

    /// <summary>
    /// Commits the appends that queued up together in one transaction (group commit); when that one finds a hole, each
    /// goes alone, so only the append with the hole fails.
    /// </summary>
    private async Task CommitGroupAsync(List<PendingAppend> group)
    {
        try
        {
            var events = group.Count == 1 ? group[0].Events : group.SelectMany(p => p.Events).ToArray();
            var outcome = await CommitAppendAsync(events, CancellationToken.None).ConfigureAwait(false);
            await PublishAsync(outcome).ConfigureAwait(false);
            foreach (var pending in group) Complete(pending, null);
        }
        catch (SequenceHoleException) when (group.Count > 1)
        {
            for (int i = 0; i < group.Count; i++)
            {
                if (!await CommitAloneAsync(group[i]).ConfigureAwait(false))
                {
                    foreach (var behind in group.Skip(i + 1)) Complete(behind, new ZamStorageException("An earlier append to PostgreSQL failed; this one was not written.", new OperationCanceledException()));
                    return;
                }
            }
        }
        catch (SequenceHoleException hole)
        {
            Complete(group[0], hole);
        }
        catch (Exception ex)
        {
            FailQueue(group, ex);
        }
    }

    /// <summary>Commits one append; false (with it and everything queued failed) when the write itself failed.</summary>
    private async Task<bool> CommitAloneAsync(PendingAppend pending)
    {
        try
        {
            var outcome = await CommitAppendAsync(pending.Events, CancellationToken.None).ConfigureAwait(false);
            await PublishAsync(outcome).ConfigureAwait(false);
            Complete(pending, null);
            return true;
        }
        catch (SequenceHoleException hole)
        {
            Complete(pending, hole);
            return true;
        }
        catch (Exception ex)
        {
            FailQueue([pending], ex);
            return false;
        }
    }

    /// <summary>
    /// A failed write (the database unreachable, a constraint) fails the appends it carried and every append queued
    /// behind them, as the embedded log does: those counted on them.
    /// </summary>
    private void FailQueue(IEnumerable<PendingAppend> failed, Exception cause)
    {
        var error = cause as ZamException ?? new ZamStorageException($"Writing to PostgreSQL failed: {cause.Message}", cause);
        var all = failed.ToList();
        lock (_viewGate)
        {
            while (_queue.Reader.TryRead(out var behind)) all.Add(behind);
            Interlocked.Increment(ref _writeFailures);
            foreach (var pending in all) _pending.Remove(pending);
            RecountQueuedLocked();
        }
        foreach (var pending in all) pending.Done.TrySetException(error);
    }

    private void Complete(PendingAppend pending, Exception? error)
    {
        lock (_viewGate)
        {
            _pending.Remove(pending);
            RecountQueuedLocked();
        }
        if (error is null) pending.Done.TrySetResult();
        else pending.Done.TrySetException(error);
    }

    private void RecountQueuedLocked()
    {
        _queuedHigh.Clear();
        _queuedStamp.Clear();
        foreach (var pending in _pending)
        {
            foreach (var (origin, high) in pending.High)
                if (!_queuedHigh.TryGetValue(origin, out var seen) || high > seen) _queuedHigh[origin] = high;
            foreach (var (origin, stamp) in pending.Stamps)
                if (!_queuedStamp.TryGetValue(origin, out var seen) || stamp > seen) _queuedStamp[origin] = stamp;
        }
    }

    /// <summary>
    /// Publishes a committed append: first what other processes had committed of its origins before it (not yet
    /// published here), then its own new events, so the engine sees each origin's events in order and once.
    /// </summary>
    private async Task PublishAsync(AppendOutcome outcome)
    {
        await CatchUpAsync(outcome.Before, CancellationToken.None).ConfigureAwait(false);
        if (outcome.Fresh.Count > 0) Publish(outcome.Fresh);
        Remember(outcome.After.Select(r => (r.Key, r.Value)));
    }

    /// <summary>Publishes, chunk by chunk, the committed events of <paramref name="targets"/> this process has not published.</summary>
    private async Task CatchUpAsync(IReadOnlyDictionary<NodeId, OriginRow> targets, CancellationToken cancellationToken)
    {
        foreach (var origin in targets.Keys.Order())
        {
            var target = targets[origin];
            ulong published;
            lock (_viewGate) published = _view.TryGetValue(origin, out var row) ? row.Held : 0;
            if (target.Held <= published) continue;
            // Below another process's compaction nothing is left to publish: the view moves over it with the floor.
            ulong from = Math.Max(published, target.Floor) + 1;
            var chunk = new List<StoredEvent>(Math.Min(_chunk, 4_096));
            await foreach (var e in ReadAsync(origin, from, cancellationToken).ConfigureAwait(false))
            {
                if (e.Envelope.Sequence > target.Held) break;
                chunk.Add(e);
                if (chunk.Count == _chunk)
                {
                    Publish(chunk);
                    chunk = new List<StoredEvent>(_chunk);
                }
            }
            if (chunk.Count > 0) Publish(chunk);
            Remember([(origin, target)]);
        }
    }

    /// <summary>Moves the view over <paramref name="events"/> and hands them to the engine as the next batch.</summary>
    private void Publish(List<StoredEvent> events)
    {
        long number;
        lock (_viewGate)
        {
            foreach (var e in events)
            {
                var env = e.Envelope;
                var row = _view.TryGetValue(env.Origin, out var seen) ? seen : default;
                _view[env.Origin] = new OriginRow(Math.Max(row.Held, env.Sequence), row.Floor, env.Hlc > row.High ? env.Hlc : row.High);
            }
            number = ++_batchNumber;
        }
        _onCommitted(new CommittedBatch(events, number));
    }

    private sealed class GateRelease(SemaphoreSlim gate) : IAsyncDisposable
    {
        private int _released;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) gate.Release();
            return ValueTask.CompletedTask;
        }
    }
}

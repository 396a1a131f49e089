using ZamSync.Storage;
using ZamSync.Wal;

namespace ZamSync;

// Folding: the state is the fold of every held event in the order (hlc, origin, seq). Events usually
// arrive in that order and are applied as they become durable; when one sorts before events already
// applied, the state must be rebuilt (from the compacted base, if any) so that equal event sets give equal
// state. Rebuilding once per received batch made a sync between two nodes that both worked offline
// quadratic, so the rebuild is deferred: the state is marked stale and rebuilt once, when someone next needs
// it — the end of the session's incoming stream, a read, a local submit, a close.
public abstract partial class ZamEngine
{
    private readonly Lock _stateLock = new();
    private EventKey? _lastApplied;
    private volatile bool _refoldPending;
    // The last committed batch the state reflects. The committer publishes a batch to the index before it
    // calls OnDurable, so a re-fold in between already applied it: OnDurable must then skip it, or the
    // batch is applied twice. Guarded by _stateLock.
    private uint _foldedThrough;
    // Why the pending re-fold is needed (the late event and what was applied before it), for its log line.
    private (EventKey Late, EventKey Applied)? _refoldCause;

    /// <summary>Runs <paramref name="reader"/> on the up-to-date state while no event is being applied.</summary>
    private protected T ReadStateCore<T>(Func<T> reader)
    {
        lock (_stateLock)
        {
            SettleLocked();
            return reader();
        }
    }

    /// <summary>Performs a deferred re-fold, if one is pending.</summary>
    internal void SettleState()
    {
        // Every local submit calls this: skip the lock in the common case where nothing is pending.
        if (!_refoldPending) return;
        lock (_stateLock) SettleLocked();
    }

    private void SettleLocked()
    {
        if (_refoldPending) Refold();
    }

    /// <summary>Called by the log's committer, in commit order, once a batch is durable (internal for the race test).</summary>
    internal void OnDurable(IReadOnlyList<StoredEvent> batch, uint number)
    {
        lock (_stateLock)
        {
            // A re-fold that read the index after this batch was published has applied it already.
            if (number <= _foldedThrough) return;
            _foldedThrough = number;
            // While a re-fold is pending, new events wait for it: it reads everything held.
            if (_refoldPending) return;
            var ordered = batch.Count == 1 ? batch : batch.OrderBy(e => e.Envelope.Key).ToArray();
            if (_lastApplied is { } last && ordered[0].Envelope.Key <= last)
            {
                _refoldPending = true;
                _refoldCause ??= (ordered[0].Envelope.Key, last);
                return;
            }
            foreach (var e in ordered) Apply(e);
        }
    }

    private void Apply(in StoredEvent e)
    {
        _lastApplied = e.Envelope.Key;
        if (e.Quarantined) return;
        try
        {
            StateStore.Apply(e.Envelope);
            Metrics.EventsApplied.Add(1);
        }
        catch (Exception)
        {
            // The state handler's own bug must not stop replication; every node running the same handler
            // fails on the same event the same way, so states stay equal.
            Metrics.ApplyFailures.Add(1);
        }
    }

    /// <summary>Rebuilds the state from the base snapshot (if compacted) and every held event.</summary>
    private void Refold()
    {
        Metrics.Refolds.Add(1);
        var cause = _refoldCause;
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        int events = FoldEverything();
        if (cause is { } c)
            Diagnostics.EngineLog.Refolded(Loggers.Engine, events, (long)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds, c.Late.ToString(), c.Applied.ToString());
    }

    /// <summary>Rebuilds the state from the base and every held event, noting which batches that covered; returns how many events it read.</summary>
    private int FoldEverything()
    {
        ResetToBase();
        var view = _store.CaptureFold();
        _foldedThrough = view.Batch;
        int events = 0;
        foreach (var e in _store.ReadInFoldOrder(view))
        {
            Apply(e);
            events++;
        }
        return events;
    }

    private void ResetToBase()
    {
        _refoldPending = false;
        _refoldCause = null;
        StateStore.Reset();
        _lastApplied = null;
        if (_store.Base is { } walBase)
        {
            if (StateStore is not ISnapshotableState snapshotable)
                throw new ZamException($"The log in '{DataDirectory}' was compacted, so its state starts from a snapshot, but {StateStore.GetType().Name} cannot read snapshots (implement ISnapshotableState).");
            snapshotable.ReadSnapshot(walBase.Snapshot);
            _lastApplied = walBase.Horizon;
        }
    }

    /// <summary>On open: start from the snapshot file when it matches this log, else fold the whole log.</summary>
    private void RecoverState(ulong generation)
    {
        lock (_stateLock)
        {
            if (StateStore is ISnapshotableState snapshotable &&
                StateSnapshotFile.TryRead(DataDirectory, _store.Cipher) is { } snapshot &&
                snapshot.Generation == generation &&
                // Folded under another contract (an upgrade): events it could not apply may now apply.
                string.Equals(snapshot.ContractFingerprint, ContractFingerprint, StringComparison.Ordinal) &&
                TryResumeFrom(snapshot, snapshotable))
            {
                return;
            }
            FoldEverything();
        }
    }

    // The snapshot folded every event in the first LogLength bytes. It still holds if every event written
    // after that sorts after its frontier: then only those events need applying.
    private bool TryResumeFrom(StateSnapshotFile.Snapshot snapshot, ISnapshotableState state)
    {
        var view = _store.CaptureFold();
        var fold = view.Entries;
        int firstAfter = 0;
        if (snapshot.Frontier is { } frontier)
        {
            int lo = 0, hi = view.Count;
            while (lo < hi)
            {
                int mid = (lo + hi) >>> 1;
                if (fold[mid].Key <= frontier) lo = mid + 1; else hi = mid;
            }
            firstAfter = lo;
        }
        if (firstAfter != snapshot.EventCount) return false;
        for (int i = 0; i < firstAfter; i++)
            if (fold[i].Record.Offset >= snapshot.LogLength) return false;
        for (int i = firstAfter; i < view.Count; i++)
            if (fold[i].Record.Offset < snapshot.LogLength) return false;

        StateStore.Reset();
        state.ReadSnapshot(snapshot.State);
        _lastApplied = snapshot.Frontier;
        _foldedThrough = view.Batch;
        if (firstAfter < view.Count)
        {
            int index = 0;
            foreach (var e in _store.ReadInFoldOrder(view))
                if (index++ >= firstAfter) Apply(e);
        }
        return true;
    }

    /// <summary>Saves the state on a clean close so the next open resumes instead of replaying the log.</summary>
    private void WriteSnapshotOnClose()
    {
        if (StateStore is not ISnapshotableState snapshotable) return;
        lock (_stateLock)
        {
            SettleLocked();
            WriteSnapshotLocked(snapshotable);
        }
    }
}

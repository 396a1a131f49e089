namespace ZamSync;

// Folding: the state is the fold of every held event in the order (hlc, origin, seq). The log's committer never
// runs user code: it only wakes the fold loop (ZamEngine.FoldLoop.cs), which reads what became durable from the
// log by its position in the fold order and applies it. A slow or throwing Apply therefore delays no fsync and
// fails no submit. The state reflects a prefix of the fold order (_folded entries). Events usually arrive in
// that order and extend the prefix; one that sorts before applied events breaks it, and the state is rebuilt
// from the newest checkpoint still a prefix (or the compacted base), once the log is quiet or at once when a
// reader needs it. Readers catch the fold up under the state lock before they read, so read-your-writes holds.
public abstract partial class ZamEngine
{
    private readonly Lock _stateLock = new();
    // Guarded by _stateLock: the state is the fold of the first _folded entries of the fold order, the last of
    // them _lastApplied (or the base's horizon / a checkpoint's last event when nothing was applied on top).
    private EventKey? _lastApplied;
    private int _folded;
    private bool _refoldPending;
    // Set once the closing engine has folded for the last time: the log is about to close under it.
    private bool _foldClosed;
    private FoldCheckpoints _checkpoints = null!;

    /// <summary>Runs <paramref name="reader"/> on the state, caught up with everything durable, while no event is being applied.</summary>
    private protected T ReadStateCore<T>(Func<T> reader)
    {
        lock (_stateLock)
        {
            CatchUpLocked(refoldNow: true);
            return reader();
        }
    }

    /// <summary>Catches the state up with everything durable now (re-folding at once if needed).</summary>
    private protected void CatchUpState()
    {
        if (StateStore is null) return;
        lock (_stateLock) CatchUpLocked(refoldNow: true);
    }

    /// <summary>
    /// Brings the state up to the fold order as it stands. When an event sorts before applied ones and
    /// <paramref name="refoldNow"/> is false, only notes that a re-fold is due and returns false.
    /// </summary>
    private bool CatchUpLocked(bool refoldNow)
    {
        if (StateStore is null || _foldClosed) return true;
        var view = _store.CaptureFold();
        // The order only grows (compaction, which shrinks it, resets _folded): same length, nothing new.
        if (!_refoldPending && view.Count == _folded) return true;
        // The applied events are the first _folded of the order iff no event sorting before the last of them has
        // joined it since.
        if (!_refoldPending && CountUpTo(view, _lastApplied) == _folded)
        {
            ApplyFrom(view);
            return true;
        }
        _refoldPending = true;
        if (!refoldNow) return false;
        Refold(view);
        return true;
    }

    private void Refold(FoldView view)
    {
        Metrics.Refolds.Add(1);
        string applied = _lastApplied?.ToString() ?? "nothing";
        var late = TakeEarliestLate();
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        if (_checkpoints.NewestValid(c => CountUpTo(view, c.Last) == c.Position) is { } checkpoint)
        {
            _refoldPending = false;
            ((ISnapshotableState)StateStore!).ReadSnapshot(checkpoint.Snapshot);
            _lastApplied = checkpoint.Last;
            _folded = checkpoint.Position;
        }
        else
        {
            ResetToBase();
        }
        int events = ApplyFrom(view);
        Diagnostics.EngineLog.Refolded(Loggers.Engine, events, (long)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds, late?.ToString() ?? "an event", applied);
    }

    /// <summary>How many of the view's first events sort at or before <paramref name="last"/> (0 for null).</summary>
    private int CountUpTo(FoldView view, EventKey? last) => last is { } key ? (int)_store.CountAtOrBefore(view, key) : 0;

    /// <summary>Applies the view's events from <see cref="_folded"/> on, checkpointing as it goes; returns how many.</summary>
    private int ApplyFrom(FoldView view)
    {
        int start = _folded;
        if (start >= view.Count) return 0;
        var snapshotable = _options.Fold.Checkpoints > 0 ? StateStore as ISnapshotableState : null;
        foreach (var e in _store.ReadInFoldOrder(view, start))
        {
            Apply(e);
            _folded++;
            if (snapshotable is not null && _folded - _checkpoints.LastPosition >= Math.Max(_options.Fold.CheckpointInterval, _checkpoints.LastSize / 256))
                _checkpoints.Add(new FoldCheckpoint(_folded, _lastApplied!.Value, TakeSnapshot(snapshotable)));
        }
        return _folded - start;
    }

    private void Apply(in StoredEvent e)
    {
        _lastApplied = e.Envelope.Key;
        if (e.Quarantined) return;
        try
        {
            StateStore!.Apply(e.Envelope);
            Metrics.EventsApplied.Add(1);
        }
        catch (Exception)
        {
            // The state handler's own bug must not stop replication; every node running the same handler
            // fails on the same event the same way, so states stay equal.
            Metrics.ApplyFailures.Add(1);
        }
    }

    /// <summary>Rebuilds the state from the base and every held event; returns how many events it read.</summary>
    private int FoldEverything()
    {
        ResetToBase();
        return ApplyFrom(_store.CaptureFold());
    }

    private void ResetToBase()
    {
        _refoldPending = false;
        _checkpoints.Clear();
        StateStore!.Reset();
        _lastApplied = null;
        _folded = 0;
        if (_store.Base is { } compacted)
        {
            if (StateStore is not ISnapshotableState snapshotable)
                throw new ZamException($"The log in '{DataDirectory}' was compacted, so its state starts from a snapshot, but {StateStore.GetType().Name} cannot read snapshots (implement ISnapshotableState).");
            snapshotable.ReadSnapshot(compacted.Snapshot.Span);
            _lastApplied = compacted.Horizon;
        }
    }

    /// <summary>
    /// Compaction's fold: the whole log from the base, returning the snapshot after its first <paramref name="prefix"/>
    /// events (the new base). Runs under the state lock with commits paused.
    /// </summary>
    private byte[] FoldForCompaction(FoldView view, int prefix, ISnapshotableState state)
    {
        byte[]? snapshot = null;
        ResetToBase();
        int applied = 0;
        foreach (var e in _store.ReadInFoldOrder(view))
        {
            Apply(e);
            if (++applied == prefix) snapshot = TakeSnapshot(state);
        }
        _folded = (int)view.Count;
        return snapshot!;
    }

    /// <summary>After compaction dropped a prefix of the fold order: positions moved, so checkpoints no longer match.</summary>
    private void AfterCompactionLocked()
    {
        _checkpoints.Clear();
        _folded = (int)_store.CaptureFold().Count;
    }

    /// <summary>On open: start from the store's checkpoint when it still describes the store, else fold everything; then start the fold loop.</summary>
    private void RecoverState()
    {
        if (StateStore is null) return; // a relay: nothing to fold, ever
        _checkpoints = new FoldCheckpoints(_options.Fold.Checkpoints);
        lock (_stateLock)
        {
            var view = _store.CaptureFold();
            if (StateStore is ISnapshotableState snapshotable &&
                _store.ReadCheckpoint(view) is { } checkpoint &&
                // Folded under another contract (an upgrade): events it could not apply may now apply.
                string.Equals(checkpoint.ContractFingerprint, ContractFingerprint, StringComparison.Ordinal))
            {
                // The store vouched that the checkpoint folded exactly the first EventCount events: apply the rest.
                StateStore.Reset();
                snapshotable.ReadSnapshot(checkpoint.State.Span);
                _lastApplied = checkpoint.Frontier;
                _folded = (int)checkpoint.EventCount;
                ApplyFrom(view);
            }
            else
            {
                FoldEverything();
            }
            NoteDurableHigh(view);
        }
        StartFoldLoop();
    }

    /// <summary>
    /// Saves the state on a clean close so the next open resumes instead of replaying the log. Folds what is left
    /// first, for any state; after this the state no longer follows the log, which is closing.
    /// </summary>
    private void WriteSnapshotOnClose()
    {
        if (StateStore is null) return;
        lock (_stateLock)
        {
            try
            {
                CatchUpLocked(refoldNow: true);
                if (StateStore is ISnapshotableState snapshotable) WriteSnapshotLocked(snapshotable);
            }
            finally
            {
                _foldClosed = true;
            }
        }
    }
}

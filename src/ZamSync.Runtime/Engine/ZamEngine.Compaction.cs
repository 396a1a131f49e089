using System.Buffers;
using ZamSync.Storage;

namespace ZamSync;

public abstract partial class ZamEngine
{
    /// <summary>Per origin, every sequence up to here was compacted away (and still counts as held).</summary>
    public VersionVector Compacted => _store.Base?.Floors.Clone() ?? new VersionVector();

    /// <summary>Compacts with no bound but the rules (see <see cref="CompactAsync(CompactionOptions?, CancellationToken)"/>).</summary>
    public Task<CompactionResult> CompactAsync(CancellationToken cancellationToken = default) => CompactAsync(null, cancellationToken);

    /// <summary>
    /// Drops the oldest events that every known peer holds, keeping a snapshot of the state at that point
    /// as the log's base. Never drops an event some known peer lacks (so a capped session followed by
    /// compaction cannot lose data), never forgets an origin or lowers a sequence, and rewrites atomically.
    /// </summary>
    /// <remarks>
    /// Requires an <see cref="ISnapshotableState"/>. A node that has never synced drops nothing. Compaction
    /// never passes the <em>frontier</em> of any origin this node or its peers know of: the highest stamp held of
    /// it (for this node itself, its clock). Every origin's next event carries a higher stamp than its last (an
    /// event that does not is quarantined on every node), so no event still to come from a known origin can sort
    /// before what was dropped. Events of an origin nobody had heard of can; <see cref="CompactionOptions.MinAge"/>
    /// keeps a margin for them, and one that arrives anyway is counted (<c>zamsync.events.below_horizon</c>).
    /// </remarks>
    public async Task<CompactionResult> CompactAsync(CompactionOptions? options, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        using var activity = ActivitySource.StartActivity(Diagnostics.ZamTracing.CompactionActivity);
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            var result = await CompactCoreAsync(options, cancellationToken).ConfigureAwait(false);
            if (activity is not null)
            {
                activity.SetTag("node", NodeId.ToString());
                activity.SetTag("events.dropped", result.EventsDropped);
                activity.SetTag("bytes.before", result.BytesBefore);
                activity.SetTag("bytes.after", result.BytesAfter);
                if (result.StoppedBy is { } stoppedBy) activity.SetTag("stopped_by", stoppedBy);
                activity.SetStatus(System.Diagnostics.ActivityStatusCode.Ok);
            }
            return result;
        }
        catch (Exception ex) when (activity is not null)
        {
            activity.AddException(ex);
            activity.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.Message);
            throw;
        }
        finally
        {
            Metrics.CompactionDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    private async Task<CompactionResult> CompactCoreAsync(CompactionOptions? options, CancellationToken cancellationToken)
    {
        options ??= new CompactionOptions();
        // A relay has no state: its base keeps the floors with an empty snapshot.
        var snapshotable = StateStore as ISnapshotableState;
        if (StateStore is not null && snapshotable is null)
            throw new NotSupportedException($"Compaction keeps a snapshot of the state as the new base, so {StateStore.GetType().Name} must implement ISnapshotableState.");
        // Compaction drops events for good, so it trusts only knowledge that survives a crash: sessions flush theirs at
        // their end, and anything still in memory is flushed here first. Trusting memory alone would be unsafe for a
        // peer met since the last flush: after a crash it would be unknown, so not waited for, and the events it still
        // lacked could be dropped. Knowledge that grows after this flush is only used by the next compaction.
        await _peers.FlushAsync(cancellationToken).ConfigureAwait(false);
        // A store shared by several processes of this node: what the others appended and compacted, and the peers they
        // met, count too (the embedded log and the file peer store answer with what this process already has).
        await _store.RefreshAsync(cancellationToken).ConfigureAwait(false);
        await _peers.ReloadAsync(cancellationToken).ConfigureAwait(false);
        var peers = _peers.Durable();
        long before = _store.Length;
        if (peers.Count == 0) return Unchanged(before, "no peer") with { DryRun = options.DryRun };

        await using var pause = await _store.PauseCommitsAsync(cancellationToken).ConfigureAwait(false);
        lock (_stateLock)
        {
            var (frontier, frontierOf) = FindFrontier(peers);
            if (frontier is not { } bound) return Unchanged(before, $"no frontier for node {frontierOf}") with { DryRun = options.DryRun };
            long maxPhysical = options.MinAge > TimeSpan.Zero
                ? _options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds() - (long)options.MinAge.TotalMilliseconds
                : long.MaxValue;
            // Retention by date: an event at the instant itself stays (before means strictly before).
            long beforePhysical = options.Before is { } retention ? retention.ToUnixTimeMilliseconds() - 1 : long.MaxValue;
            var known = _store.Known;
            var dropped = new Dictionary<NodeId, long>();
            // Events of a type this contract does not know are kept for the snapshot's sake; a relay keeps none.
            int unknownAt = snapshotable is null ? int.MaxValue : FirstEventOutsideContract();
            var view = _store.CaptureFold();
            var floors = new VersionVector();
            int prefix = 0;
            string? stoppedBy = null;
            EventKey horizon = default;
            // The dropped events must be a prefix of the fold order (the snapshot is the state after it) and,
            // per origin, a prefix of its sequence (so the floors say exactly what was dropped).
            foreach (var key in _store.ReadFoldKeys(view))
            {
                var (origin, seq) = (key.Origin, key.Sequence);
                ulong floor = Math.Max(floors[origin], _store.Floor(origin));
                if (seq != floor + 1 || !peers.Values.All(p => p[origin] >= seq)) { stoppedBy = "peers lack"; break; }
                if (key.Hlc > bound) { stoppedBy = $"frontier of node {frontierOf}"; break; }
                if (key.Hlc.Physical > maxPhysical) { stoppedBy = "min age"; break; }
                if (key.Hlc.Physical > beforePhysical) { stoppedBy = "before"; break; }
                if (options.KeepPerOrigin > 0 && known[origin] - seq < (ulong)options.KeepPerOrigin) { stoppedBy = "keep per origin"; break; }
                if (prefix == unknownAt) { stoppedBy = "unknown event type"; break; }
                if (prefix == options.MaxEvents) { stoppedBy = "max events"; break; }
                floors.Advance(origin, seq);
                dropped[origin] = dropped.GetValueOrDefault(origin) + 1;
                horizon = key;
                prefix++;
            }
            if (prefix == 0) return Unchanged(before, stoppedBy) with { DryRun = options.DryRun };
            if (options.DryRun)
            {
                var wouldBe = Compacted;
                wouldBe.Merge(floors);
                return new CompactionResult(prefix, before, before) { Floors = wouldBe, Horizon = horizon, StoppedBy = stoppedBy, DryRun = true, DroppedPerOrigin = dropped };
            }

            var snapshot = snapshotable is null ? [] : FoldForCompaction(view, prefix, snapshotable);
            // Under the state lock, so no reader sees the state between the fold and the new base. The embedded log
            // compacts synchronously; a store that truly awaits here holds this thread (see docs/engine.md).
            _store.CompactAsync(new StoreCompaction(floors, horizon, Clock.Last, snapshot), cancellationToken).AsTask().GetAwaiter().GetResult();
            if (snapshotable is not null)
            {
                AfterCompactionLocked();
                WriteSnapshotLocked(snapshotable);
            }
            var result = new CompactionResult(prefix, before, _store.Length) { Floors = Compacted, Horizon = horizon, StoppedBy = stoppedBy, DroppedPerOrigin = dropped };
            Diagnostics.CompactionLog.Compacted(Loggers.Compaction, prefix, before, result.BytesAfter, result.Floors, horizon, stoppedBy ?? "nothing (every held event)");
            return result;
        }
    }

    private CompactionResult Unchanged(long length, string? stoppedBy)
    {
        Diagnostics.CompactionLog.NothingCompacted(Loggers.Compaction, stoppedBy ?? "nothing to drop");
        return new(0, length, length) { Floors = Compacted, Horizon = _store.Base?.Horizon, StoppedBy = stoppedBy };
    }

    /// <summary>
    /// The lowest frontier among the origins this node and its peers know of, and whose it is. An origin's frontier
    /// is the highest stamp this node holds of it (compacted events included), or the origin's own claim when this
    /// node holds what the claim covers; its events still to come carry higher stamps. This node's own frontier is
    /// its clock. Null when a known origin has no frontier here (a peer holds its events and this node none).
    /// </summary>
    private (Hlc? Frontier, NodeId? Of) FindFrontier(IReadOnlyDictionary<NodeId, VersionVector> peers)
    {
        var ours = _store.Known;
        Hlc frontier = Clock.Last;
        NodeId of = NodeId;
        var origins = new HashSet<NodeId>(ours.Origins);
        foreach (var peer in peers.Values) origins.UnionWith(peer.Origins.Where(o => peer[o] > 0));
        origins.UnionWith(ClaimedOrigins);
        origins.Remove(NodeId);
        foreach (var origin in origins)
        {
            if (FrontierOf(origin, ours[origin]) is not { } high) return (null, origin);
            if (high < frontier) (frontier, of) = (high, origin);
        }
        return (frontier, of);
    }

    /// <summary>
    /// The fold-order index of the first event whose type this node's contract does not know (a newer node's
    /// event, stored but not applied), or int.MaxValue. Compaction stops before it: the base snapshot would fold
    /// it in as skipped, and after an upgrade that knows the type nothing could apply it any more. Without a
    /// contract schema every type counts as known.
    /// </summary>
    private int FirstEventOutsideContract()
    {
        if (ContractSchema.Length == 0) return int.MaxValue;
        var known = Sync.ContractCompatibility.EventTypes(ContractSchema);
        int index = 0;
        foreach (var e in _store.ReadInFoldOrder())
        {
            if (!known.Contains(e.Envelope.EventType)) return index;
            index++;
        }
        return int.MaxValue;
    }

    private static byte[] TakeSnapshot(ISnapshotableState state)
    {
        var buffer = new ArrayBufferWriter<byte>();
        state.WriteSnapshot(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Keeps the state (which has folded every event the store holds) as the store's checkpoint.</summary>
    private void WriteSnapshotLocked(ISnapshotableState state) =>
        _store.WriteCheckpoint(new StateCheckpoint(_store.CaptureFold().Count, _lastApplied, TakeSnapshot(state), ContractFingerprint));
}

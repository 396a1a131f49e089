using System.Buffers;
using ZamSync.Storage;

namespace ZamSync;

/// <summary>What a compaction did.</summary>
public sealed record CompactionResult(int EventsDropped, long BytesBefore, long BytesAfter);

public abstract partial class ZamEngine
{
    /// <summary>
    /// Drops the oldest events that every known peer holds, keeping a snapshot of the state at that point
    /// as the log's base. Never drops an event some known peer lacks (so a capped session followed by
    /// compaction cannot lose data), never forgets an origin or lowers a sequence, and rewrites atomically.
    /// </summary>
    /// <remarks>
    /// Requires an <see cref="ISnapshotableState"/>. A node that has never synced drops nothing. Compaction
    /// never passes an event that events a known peer holds (and we lack) could sort before. Events from
    /// nodes never heard of that sort before the horizon are applied after the base snapshot (the order
    /// before the horizon can no longer change): compact only events older than the longest time an
    /// unknown node may stay offline.
    /// </remarks>
    public async Task<CompactionResult> CompactAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        if (StateStore is not ISnapshotableState snapshotable)
            throw new NotSupportedException($"Compaction keeps a snapshot of the state as the new base, so {StateStore.GetType().Name} must implement ISnapshotableState.");
        var peers = _peers.All();
        long before = _store.Length;
        if (peers.Count == 0) return new CompactionResult(0, before, before);

        using var pause = await _store.PauseCommitsAsync(cancellationToken).ConfigureAwait(false);
        lock (_stateLock)
        {
            if (!TryFindCompactionBound(peers, out var bound)) return new CompactionResult(0, before, before);
            int unknownAt = FirstEventOutsideContract();
            var fold = _store.FoldOrder;
            var floors = new VersionVector();
            int prefix = 0;
            // The dropped events must be a prefix of the fold order (the snapshot is the state after it) and,
            // per origin, a prefix of its sequence (so the floors say exactly what was dropped).
            foreach (var entry in fold)
            {
                var (origin, seq) = (entry.Key.Origin, entry.Key.Sequence);
                ulong floor = Math.Max(floors[origin], _store.Floor(origin));
                if (seq != floor + 1 || !peers.Values.All(p => p[origin] >= seq)) break;
                if (bound is { } limit && entry.Key > limit) break;
                if (prefix == unknownAt) break;
                floors.Advance(origin, seq);
                prefix++;
            }
            if (prefix == 0) return new CompactionResult(0, before, before);

            byte[]? snapshot = null;
            ResetToBase();
            var view = _store.CaptureFold();
            _foldedThrough = view.Batch;
            int applied = 0;
            foreach (var e in _store.ReadInFoldOrder(view))
            {
                Apply(e);
                if (++applied == prefix) snapshot = TakeSnapshot(snapshotable);
            }
            _store.Compact(floors, fold[prefix - 1].Key, snapshot!);
            WriteSnapshotLocked(snapshotable);
            return new CompactionResult(prefix, before, _store.Length);
        }
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

    /// <summary>
    /// Events a known peer holds and we lack will arrive later; they must not sort before the compacted
    /// horizon, or our fold order would differ from the peer's forever. An origin's events carry increasing
    /// stamps, so the missing ones sort after the last one we hold of that origin: compaction may not pass
    /// it. Returns false when nothing may be compacted (we hold none of such an origin, or its last held event
    /// is already compacted).
    /// </summary>
    private bool TryFindCompactionBound(IReadOnlyDictionary<NodeId, VersionVector> peers, out EventKey? bound)
    {
        bound = null;
        var ours = _store.Known;
        foreach (var peer in peers.Values)
        {
            foreach (var (origin, theirs) in peer)
            {
                ulong held = ours[origin];
                if (theirs <= held) continue;
                if (held <= _store.Floor(origin)) return false;
                var last = _store.Read(origin, held).First().Envelope.Key;
                if (bound is null || last < bound) bound = last;
            }
        }
        return true;
    }

    private static byte[] TakeSnapshot(ISnapshotableState state)
    {
        var buffer = new ArrayBufferWriter<byte>();
        state.WriteSnapshot(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private void WriteSnapshotLocked(ISnapshotableState state)
    {
        var snapshot = new StateSnapshotFile.Snapshot(_store.Header.Generation, _store.Length, _store.FoldOrder.Count, _lastApplied, TakeSnapshot(state), ContractFingerprint);
        StateSnapshotFile.Write(DataDirectory, snapshot, _store.Cipher);
    }
}

using ZamSync.Storage;

namespace ZamSync.Wal;

// Checkpoints of the embedded log live beside it in state.snapshot (Storage/StateSnapshotFile.cs), sealed with the
// log's cipher, and name the log they describe by its generation and length. The file format is the log's business;
// the engine sees only StateCheckpoint.
internal sealed partial class WalEventStore
{
    private string DataDirectory => Path.GetDirectoryName(_path)!;

    public StateCheckpoint? ReadCheckpoint(FoldView view)
    {
        if (StateSnapshotFile.TryRead(DataDirectory, _cipher) is not { } snapshot || snapshot.Generation != Header.Generation) return null;
        // The snapshot folded every event in the first LogLength bytes. It still holds if the events it folded are
        // exactly the first EventCount of the fold order: all of them were written before LogLength, every later one
        // after it, and the count matches what sorts at or before its frontier.
        var fold = Capture(view).Entries;
        int count = (int)view.Count;
        int firstAfter = 0;
        if (snapshot.Frontier is { } frontier)
        {
            int lo = 0, hi = count;
            while (lo < hi)
            {
                int mid = (lo + hi) >>> 1;
                if (fold[mid].Key <= frontier) lo = mid + 1; else hi = mid;
            }
            firstAfter = lo;
        }
        if (firstAfter != snapshot.EventCount) return null;
        // Positions are file order, so the events written before LogLength are the first P positions; the fold order
        // is a permutation of all positions, so its first P entries are exactly those when none of them lies at or
        // past P. Comparing positions (4-byte column reads) instead of each entry's offset keeps this check a few
        // milliseconds on a 1M-event log: computing an entry's key searches its origin's positions.
        if (_index.PositionsStartingBefore(snapshot.LogLength) != firstAfter || !fold.StartsWithFirstPositions(firstAfter)) return null;
        return new StateCheckpoint(snapshot.EventCount, snapshot.Frontier, snapshot.State, snapshot.ContractFingerprint);
    }

    /// <remarks>
    /// The checkpoint must have folded every event of the log as it stands (the engine writes it with commits paused
    /// or on close): it is recorded against the current length, and one that folded fewer fails the check on reading.
    /// </remarks>
    public void WriteCheckpoint(StateCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var snapshot = new StateSnapshotFile.Snapshot(Header.Generation, Length, checkpoint.EventCount, checkpoint.Frontier,
            checkpoint.State.ToArray(), checkpoint.ContractFingerprint);
        StateSnapshotFile.Write(DataDirectory, snapshot, _cipher);
        // The index is written with every checkpoint, so a crash after it rescans only what came later.
        PersistIndex();
    }
}

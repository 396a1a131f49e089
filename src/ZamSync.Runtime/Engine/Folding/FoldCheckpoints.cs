namespace ZamSync;

/// <summary>The state after the first <paramref name="Position"/> events of the fold order, the last of them <paramref name="Last"/>.</summary>
internal sealed record FoldCheckpoint(int Position, EventKey Last, byte[] Snapshot);

/// <summary>
/// A bounded set of checkpoints of the state, ordered by position. When full, the one whose loss widens the gaps
/// least relative to its distance from the tail goes, so checkpoints stay dense near the tail (where late events
/// usually land: a clinic's last offline hours) and thin out, but remain, further back. Not thread-safe: the
/// engine's state lock guards it.
/// </summary>
internal sealed class FoldCheckpoints(int capacity)
{
    private readonly List<FoldCheckpoint> _list = new();

    public int Count => _list.Count;

    /// <summary>Where the newest checkpoint stands (0 when none).</summary>
    public int LastPosition => _list.Count == 0 ? 0 : _list[^1].Position;

    /// <summary>Bytes of the newest snapshot (0 when none): large states are checkpointed less often.</summary>
    public int LastSize => _list.Count == 0 ? 0 : _list[^1].Snapshot.Length;

    public void Add(FoldCheckpoint checkpoint)
    {
        if (capacity == 0) return;
        _list.Add(checkpoint);
        if (_list.Count > capacity) Thin(checkpoint.Position);
    }

    /// <summary>
    /// The newest checkpoint still a prefix of the fold order: <paramref name="isPrefix"/> says whether the first
    /// <c>Position</c> events of the order now are still the ones it folded. Newer ones (a late event sorted before
    /// them) are dropped. Null when none is: re-fold from the base.
    /// </summary>
    public FoldCheckpoint? NewestValid(Func<FoldCheckpoint, bool> isPrefix)
    {
        while (_list.Count > 0)
        {
            var newest = _list[^1];
            if (isPrefix(newest)) return newest;
            _list.RemoveAt(_list.Count - 1);
        }
        return null;
    }

    public void Clear() => _list.Clear();

    private void Thin(int tail)
    {
        // Never the newest: it is the one the next late event most likely needs.
        int drop = 0;
        double best = double.MaxValue;
        for (int i = 0; i < _list.Count - 1; i++)
        {
            int before = i == 0 ? 0 : _list[i - 1].Position;
            double gap = _list[i + 1].Position - before;
            double score = gap / (tail - before + 1);
            if (score < best) (best, drop) = (score, i);
        }
        _list.RemoveAt(drop);
    }
}

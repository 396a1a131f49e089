using System.Collections;

namespace ZamSync.Wal.Index;

/// <summary>
/// A captured fold order: its first <see cref="Count"/> entries, read without a lock while the log goes on growing.
/// Entries are computed from the index's columns on access (the index holds no per-event object).
/// </summary>
internal sealed class WalFoldOrder(WalIndex index, IndexColumn<int> fold, int count) : IReadOnlyList<FoldEntry>
{
    public int Count => count;

    public FoldEntry this[int i]
    {
        get
        {
            if ((uint)i >= (uint)count) throw new ArgumentOutOfRangeException(nameof(i));
            int position = fold[i];
            return new FoldEntry(index.KeyAt(position), index.RecordAt(position));
        }
    }

    /// <summary>The file position of the event at fold position <paramref name="i"/>.</summary>
    public int PositionAt(int i) => fold[i];

    internal IndexColumn<int> Column => fold;

    /// <summary>True when the first <paramref name="n"/> entries are the file positions 0 to n-1, in any order.</summary>
    public bool StartsWithFirstPositions(int n)
    {
        if ((uint)n > (uint)count) return false;
        for (int i = 0; i < n; i++)
            if ((uint)fold[i] >= (uint)n) return false;
        return true;
    }

    public IEnumerator<FoldEntry> GetEnumerator()
    {
        for (int i = 0; i < count; i++) yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

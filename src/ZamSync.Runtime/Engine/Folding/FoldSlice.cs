using ZamSync.Wal;

namespace ZamSync;

/// <summary>The fold order from <c>start</c> on, without copying it: the fold reads only what it has not applied yet.</summary>
internal sealed class FoldSlice(IReadOnlyList<FoldEntry> order, int start, int count) : IReadOnlyList<FoldEntry>
{
    public FoldEntry this[int index] => order[start + index];

    public int Count => count;

    public IEnumerator<FoldEntry> GetEnumerator()
    {
        for (int i = 0; i < count; i++) yield return order[start + i];
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

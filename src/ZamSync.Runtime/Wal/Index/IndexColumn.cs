using System.Runtime.CompilerServices;

namespace ZamSync.Wal.Index;

/// <summary>
/// An append-only column of unmanaged values in fixed-size chunks: no per-event object, and growing never copies
/// what is already there (beyond the first chunk, which starts small so that thousands of small columns, one per
/// origin, stay cheap).
/// </summary>
/// <remarks>
/// One writer (under the store's lock), any number of readers without a lock: an entry never changes once
/// written, the count is published after the entry, and the chunk directory is replaced (never edited in place
/// at an index a reader may use) when it grows. A reader that read the count first therefore finds every entry
/// below it in whatever directory it reads afterwards.
/// </remarks>
internal sealed class IndexColumn<T> where T : unmanaged
{
    public const int ChunkShift = 12, ChunkSize = 1 << ChunkShift, ChunkMask = ChunkSize - 1;
    private const int FirstCapacity = 16;

    private T[][] _chunks;
    private int _count;

    public IndexColumn() => _chunks = [];

    /// <summary>A column that starts with <paramref name="shared"/>'s first <paramref name="chunks"/> full chunks (shared, never written again).</summary>
    public IndexColumn(IndexColumn<T> shared, int chunks)
    {
        _chunks = new T[Math.Max(chunks + 1, 4)][];
        Array.Copy(shared._chunks, _chunks, chunks);
        _count = chunks * ChunkSize;
    }

    public int Count => Volatile.Read(ref _count);

    public T this[int index] => Volatile.Read(ref _chunks)[index >> ChunkShift][index & ChunkMask];

    public void Add(T value)
    {
        int count = _count;
        int chunk = count >> ChunkShift, at = count & ChunkMask;
        var chunks = _chunks;
        if (chunk >= chunks.Length || chunks[chunk] is null || at >= chunks[chunk].Length) chunks = Grow(chunk);
        chunks[chunk][at] = value;
        Volatile.Write(ref _count, count + 1);
    }

    /// <summary>Makes room in chunk <paramref name="chunk"/> (allocating it, or doubling the first), publishing a new directory.</summary>
    private T[][] Grow(int chunk, bool whole = false)
    {
        var chunks = _chunks;
        var next = new T[chunk < chunks.Length ? chunks.Length : Math.Max(4, Math.Max(chunk + 1, chunks.Length * 2))][];
        Array.Copy(chunks, next, chunks.Length);
        var old = chunk < chunks.Length ? chunks[chunk] : null;
        // Only a column's first chunk grows by doubling; every later one is allocated whole.
        int size = chunk == 0 && !whole ? Math.Min(ChunkSize, Math.Max(FirstCapacity, (old?.Length ?? 0) * 2)) : ChunkSize;
        var fresh = GC.AllocateUninitializedArray<T>(size);
        old?.AsSpan().CopyTo(fresh);
        next[chunk] = fresh;
        Volatile.Write(ref _chunks, next);
        return next;
    }

    /// <summary>Appends <paramref name="values"/> in bulk (loading a persisted index).</summary>
    public void AddRange(ReadOnlySpan<T> values)
    {
        while (!values.IsEmpty)
        {
            int count = _count;
            int chunk = count >> ChunkShift, at = count & ChunkMask;
            var chunks = _chunks;
            if (chunk >= chunks.Length || chunks[chunk] is null || chunks[chunk].Length < ChunkSize) chunks = Grow(chunk, whole: true);
            int n = Math.Min(ChunkSize - at, values.Length);
            values[..n].CopyTo(chunks[chunk].AsSpan(at));
            values = values[n..];
            Volatile.Write(ref _count, count + n);
        }
    }

    /// <summary>The entries as consecutive spans (one per chunk), for writing the column out.</summary>
    public IEnumerable<ReadOnlyMemory<T>> Segments(int count)
    {
        var chunks = Volatile.Read(ref _chunks);
        for (int start = 0; start < count; start += ChunkSize)
            yield return chunks[start >> ChunkShift].AsMemory(0, Math.Min(ChunkSize, count - start));
    }

    /// <summary>The bytes this column holds (allocated capacity, not just what is used).</summary>
    public long AllocatedBytes
    {
        get
        {
            var chunks = Volatile.Read(ref _chunks);
            long bytes = (long)chunks.Length * IntPtr.Size;
            foreach (var chunk in chunks)
                if (chunk is not null) bytes += (long)chunk.Length * Unsafe.SizeOf<T>();
            return bytes;
        }
    }
}

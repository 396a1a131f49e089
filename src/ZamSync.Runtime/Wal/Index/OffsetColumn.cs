using System.Collections.Concurrent;

namespace ZamSync.Wal.Index;

/// <summary>
/// Where each record ends, in 4 bytes per record: per chunk of records the offset the chunk starts at (8 bytes per
/// 4,096 records), and per record its end relative to that. A chunk that spans 4 GiB or more (4,096 records of 1 MiB
/// on average) keeps the ends that do not fit beside the column.
/// </summary>
/// <remarks>Same threading rules as <see cref="IndexColumn{T}"/>: one writer, readers without a lock.</remarks>
internal sealed class OffsetColumn
{
    private const uint Escape = uint.MaxValue;
    private readonly IndexColumn<uint> _relative = new();
    private readonly IndexColumn<long> _chunkStarts = new();
    private readonly ConcurrentDictionary<int, long> _wide = new();

    public int Count => _relative.Count;

    /// <summary>Adds the record at the next position: it starts at <paramref name="start"/> and ends at <paramref name="end"/>.</summary>
    public void Add(long start, long end)
    {
        int position = _relative.Count;
        if ((position & IndexColumn<uint>.ChunkMask) == 0) _chunkStarts.Add(start);
        long relative = end - _chunkStarts[position >> IndexColumn<uint>.ChunkShift];
        if (relative is >= 0 and < Escape)
        {
            _relative.Add((uint)relative);
        }
        else
        {
            _wide[position] = end;
            _relative.Add(Escape);
        }
    }

    /// <summary>Adds records that lie back to back from <paramref name="start"/>, by their lengths (loading a persisted index).</summary>
    public void AddLengths(long start, ReadOnlySpan<uint> lengths)
    {
        long end = start;
        foreach (uint length in lengths)
        {
            long recordStart = end;
            end += length;
            Add(recordStart, end);
        }
    }

    public long End(int position)
    {
        uint relative = _relative[position];
        return relative == Escape ? _wide[position] : _chunkStarts[position >> IndexColumn<uint>.ChunkShift] + relative;
    }

    public long AllocatedBytes => _relative.AllocatedBytes + _chunkStarts.AllocatedBytes + _wide.Count * 48L;
}

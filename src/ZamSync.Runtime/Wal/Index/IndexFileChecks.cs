namespace ZamSync.Wal.Index;

/// <summary>
/// The structural checks a persisted index passes before it is used: its checksum already vouches for the bytes, these
/// vouch that the writer's columns fit together (every record has a plausible length and they add up to the covered
/// part of the log, every event belongs to exactly one origin in position order, the fold order is a permutation), so
/// that a bug or a stray file can never make the index point outside the log. Each is one pass over a column.
/// </summary>
internal static class IndexFileChecks
{
    private const ushort WideOrigin = ushort.MaxValue;

    /// <summary>What is wrong (completing "the index file …"), or null.</summary>
    public static string? Problem(ReadOnlySpan<uint> lengths, ReadOnlySpan<ushort> originIds, ReadOnlySpan<ulong> stamps, ReadOnlySpan<int> fold,
        ReadOnlySpan<int> held, ReadOnlySpan<int> positions, KeyValuePair<int, Hlc>[] wideStamps, KeyValuePair<int, int>[] wideOrigins, long coveredRecordBytes)
    {
        int count = lengths.Length;
        long total = 0;
        foreach (uint length in lengths)
        {
            if (length < WalRecord.Overhead) return "holds a record shorter than a record's header";
            total += length;
        }
        if (total != coveredRecordBytes) return $"has records of {total} bytes in all, the covered part of the log {coveredRecordBytes}";

        int escapes = 0;
        foreach (ulong stamp in stamps) if (stamp == StampPacking.Escape) escapes++;
        if (escapes != wideStamps.Length) return "has stamps kept aside that its stamp column does not mark";
        for (int i = 0; i < wideStamps.Length; i++)
        {
            int p = wideStamps[i].Key;
            if ((uint)p >= (uint)count || stamps[p] != StampPacking.Escape || (i > 0 && p <= wideStamps[i - 1].Key)) return "has a stamp kept aside at a wrong position";
        }
        var wide = new Dictionary<int, int>(wideOrigins.Length);
        foreach (var (p, id) in wideOrigins)
            if ((uint)p >= (uint)count || originIds[p] != WideOrigin || id < WideOrigin || !wide.TryAdd(p, id)) return "has an origin id kept aside at a wrong position";

        for (int id = 0, at = 0; id < held.Length; at += held[id], id++)
        {
            int previous = -1;
            foreach (int p in positions.Slice(at, held[id]))
            {
                if (p <= previous || p >= count) return "lists an origin's events out of order";
                int owner = originIds[p] == WideOrigin ? wide.GetValueOrDefault(p, -1) : originIds[p];
                if (owner != id) return "lists an event under an origin it does not belong to";
                previous = p;
            }
        }

        if (fold.Length != count) return "has a fold order of another length";
        var seen = new ulong[(count + 63) >> 6];
        foreach (int p in fold)
        {
            if ((uint)p >= (uint)count) return "has a fold order that points past its events";
            ref ulong word = ref seen[p >> 6];
            ulong bit = 1UL << (p & 63);
            if ((word & bit) != 0) return "has an event twice in its fold order";
            word |= bit;
        }
        return null;
    }
}

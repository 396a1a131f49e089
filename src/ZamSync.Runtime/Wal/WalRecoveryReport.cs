namespace ZamSync.Wal;

/// <summary>What opening the log found and did.</summary>
/// <param name="Records">Records in the log after recovery.</param>
/// <param name="TruncatedAt">Where a torn tail was cut off, or -1 if the log ended cleanly.</param>
/// <param name="TruncatedBytes">How many bytes of torn tail were removed.</param>
public sealed record WalRecoveryReport(long Records, long TruncatedAt, long TruncatedBytes)
{
    public bool TailWasTorn => TruncatedAt >= 0;

    /// <summary>
    /// Records opening read and checked (a compacted log's base record included). With a persisted index
    /// (<c>events.idx</c>) only the tail written after it; without one, every record.
    /// </summary>
    public long RecordsScanned { get; init; }

    /// <summary>Whether opening started from the persisted index instead of scanning the whole log.</summary>
    public bool IndexUsed { get; init; }

    /// <summary>Why the persisted index was not used (missing, damaged, or not matching the log); null when it was, or the store keeps none.</summary>
    public string? IndexNotUsedReason { get; init; }
}

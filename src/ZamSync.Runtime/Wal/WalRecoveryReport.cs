namespace ZamSync.Wal;

/// <summary>What opening the log found and did.</summary>
/// <param name="Records">Records in the log after recovery.</param>
/// <param name="TruncatedAt">Where a torn tail was cut off, or -1 if the log ended cleanly.</param>
/// <param name="TruncatedBytes">How many bytes of torn tail were removed.</param>
public sealed record WalRecoveryReport(long Records, long TruncatedAt, long TruncatedBytes)
{
    public bool TailWasTorn => TruncatedAt >= 0;
}

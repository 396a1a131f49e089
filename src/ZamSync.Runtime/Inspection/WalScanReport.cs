namespace ZamSync.Inspection;

/// <summary>
/// What <see cref="WalInspector.Scan"/> found: every intact record in file order, every problem with its offset, and
/// what the log holds.
/// </summary>
public sealed class WalScanReport
{
    internal WalScanReport(IReadOnlyList<WalRecordInfo> records, IReadOnlyList<InspectionProblem> problems,
        CompactedBase? compactedBase, VersionVector known, long length)
    {
        Records = records;
        Problems = problems;
        Base = compactedBase;
        Known = known;
        Length = length;
    }

    /// <summary>Every intact record (events and the base record), in file order.</summary>
    public IReadOnlyList<WalRecordInfo> Records { get; }

    /// <summary>
    /// Damaged regions (with the reason and where intact records resume), records out of their origin's sequence, and
    /// a misplaced or malformed base record. Empty when the log is whole.
    /// </summary>
    public IReadOnlyList<InspectionProblem> Problems { get; }

    /// <summary>The base of a compacted log (floors: every sequence up to a floor was dropped), or null.</summary>
    public CompactedBase? Base { get; }

    /// <summary>Per origin, the highest sequence held (compacted ones count as held), as the engine would report it.</summary>
    public VersionVector Known { get; }

    /// <summary>The file's length when it was scanned.</summary>
    public long Length { get; }

    /// <summary>The intact events in the one fold order every node agrees on (HLC, origin, sequence).</summary>
    public IEnumerable<WalRecordInfo> EventsInFoldOrder() =>
        Records.Where(r => r.Type == WalRecordType.Event).OrderBy(r => r.Key);
}

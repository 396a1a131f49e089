namespace ZamSync.Inspection;

/// <summary>
/// The run-time backstop of the ZS6xxx rules for a stopped node, strictly read-only: folds the log twice, in fold
/// order, into two fresh states (from the compacted base's snapshot when there is one) and compares their snapshot
/// bytes with each other and with <c>state.snapshot</c> when that covers the same log. Different bytes from the same
/// events mean <c>Apply</c> (or an upcaster) depends on something besides the state and the event.
/// </summary>
/// <param name="Events">Events folded each time (quarantined events are not applied, as in the engine).</param>
/// <param name="FirstDigest">SHA-256 (hex, first 16 characters) of the first fold's snapshot bytes.</param>
/// <param name="SecondDigest">The same for the second fold.</param>
/// <param name="SnapshotDigest">The same for <c>state.snapshot</c>'s state when it covers the whole log; otherwise null.</param>
public sealed record FoldCheck(long Events, string FirstDigest, string SecondDigest, string? SnapshotDigest)
{
    /// <summary>Both folds agree, and agree with the snapshot when it was comparable.</summary>
    public bool Holds => FirstDigest == SecondDigest && (SnapshotDigest is null || SnapshotDigest == FirstDigest);

    /// <summary>
    /// Folds the events of <paramref name="scan"/> (records of <paramref name="log"/>) twice into states made by
    /// <paramref name="createState"/>; <paramref name="progress"/> counts events applied over both folds. <paramref name="snapshotState"/>: <c>state.snapshot</c>'s state bytes when its
    /// log length equals the log's, else null.
    /// </summary>
    public static FoldCheck Run(WalInspector log, WalScanReport scan, Func<ISnapshotableState> createState, byte[]? snapshotState,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(scan);
        ArgumentNullException.ThrowIfNull(createState);
        byte[]? baseState = null;
        if (scan.Records.FirstOrDefault(r => r.Type == WalRecordType.Base) is { } baseRecord)
        {
            baseState = log.ReadBaseState(baseRecord, out string? problem)
                ?? throw new InvalidDataException($"the compacted log's base record at offset {baseRecord.Offset} cannot be read: {problem}");
        }
        var events = scan.Records.Where(r => r.Type == WalRecordType.Event && !r.Quarantined).OrderBy(r => r.Key).ToList();
        // Each fold reads the payloads again rather than holding the whole log in memory: a log can be larger than
        // the machine's memory, and the two folds still apply the same bytes (the records passed their checksums).
        string first = Fold(log, createState(), baseState, events, progress, 0, cancellationToken);
        string second = Fold(log, createState(), baseState, events, progress, events.Count, cancellationToken);
        return new FoldCheck(events.Count, first, second, snapshotState is null ? null : Digest(snapshotState));
    }

    private static string Fold(WalInspector log, ISnapshotableState state, byte[]? baseState, List<WalRecordInfo> events,
        IProgress<long>? progress, long done, CancellationToken cancellationToken)
    {
        state.Reset();
        if (baseState is not null) state.ReadSnapshot(baseState);
        foreach (var e in events)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var payload = log.ReadPayload(e, out string? problem)
                ?? throw new InvalidDataException($"event {e.Origin}#{e.Sequence} at offset {e.Offset} cannot be read: {problem}");
            state.Apply(new EventEnvelope(e.Origin, e.Sequence, e.Hlc, e.EventType, payload));
            if (++done % 4096 == 0) progress?.Report(done);
        }
        var bytes = new System.Buffers.ArrayBufferWriter<byte>();
        state.WriteSnapshot(bytes);
        return Digest(bytes.WrittenSpan);
    }

    /// <summary>
    /// The digest this check reports for a state's snapshot bytes: SHA-256, the first 16 hex characters, lower case.
    /// Public so that a test (ZamSync.Testing's <c>StateFold.Hash</c>) pins a fold by the same digest verify prints.
    /// </summary>
    public static string Digest(ReadOnlySpan<byte> bytes) =>
        Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes))[..16].ToLowerInvariant();
}

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
    /// <paramref name="createState"/>. <paramref name="snapshotState"/>: <c>state.snapshot</c>'s state bytes when its
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
        // Payloads are read once; both folds apply the same bytes, so only Apply can make them differ.
        var envelopes = new List<EventEnvelope>(events.Count);
        foreach (var e in events)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var payload = log.ReadPayload(e, out string? problem)
                ?? throw new InvalidDataException($"event {e.Origin}#{e.Sequence} at offset {e.Offset} cannot be read: {problem}");
            envelopes.Add(new EventEnvelope(e.Origin, e.Sequence, e.Hlc, e.EventType, payload));
            if (envelopes.Count % 4096 == 0) progress?.Report(envelopes.Count);
        }
        string first = Fold(createState(), baseState, envelopes, cancellationToken);
        string second = Fold(createState(), baseState, envelopes, cancellationToken);
        return new FoldCheck(envelopes.Count, first, second, snapshotState is null ? null : Digest(snapshotState));
    }

    private static string Fold(ISnapshotableState state, byte[]? baseState, List<EventEnvelope> events, CancellationToken cancellationToken)
    {
        state.Reset();
        if (baseState is not null) state.ReadSnapshot(baseState);
        foreach (var e in events)
        {
            cancellationToken.ThrowIfCancellationRequested();
            state.Apply(e);
        }
        var bytes = new System.Buffers.ArrayBufferWriter<byte>();
        state.WriteSnapshot(bytes);
        return Digest(bytes.WrittenSpan);
    }

    private static string Digest(ReadOnlySpan<byte> bytes) =>
        Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes))[..16].ToLowerInvariant();
}

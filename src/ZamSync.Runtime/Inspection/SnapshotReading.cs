using System.Buffers.Binary;
using ZamSync.Storage;
using ZamSync.Wal;

namespace ZamSync.Inspection;

/// <summary>
/// What <c>state.snapshot</c> says (docs/operations.md, "The data directory"): which log it describes, how many events
/// it folded, and under which contract. The state itself is not decoded.
/// </summary>
/// <param name="Path">The file's full path.</param>
/// <param name="Generation">The generation of the log it was folded from.</param>
/// <param name="LogLength">The log's length when it was written: it folded every event before that byte.</param>
/// <param name="EventCount">How many events of the fold order it folded.</param>
/// <param name="Frontier">The last event it folded, or null when none.</param>
/// <param name="ContractFingerprint">The contract the state was folded under (the node's contract when it last closed).</param>
/// <param name="StateLength">The folded state's size in bytes.</param>
public sealed record SnapshotReading(string Path, ulong Generation, long LogLength, long EventCount, EventKey? Frontier,
    string ContractFingerprint, int StateLength)
{
    private static ReadOnlySpan<byte> Magic => "ZSSNAP02"u8;

    /// <summary>The snapshot, null when there is none, or a problem saying why it cannot be read.</summary>
    internal static SnapshotReading? Read(string directory, WalCipher? cipher, bool encrypted, out InspectionProblem? problem)
    {
        problem = null;
        string path = System.IO.Path.Combine(directory, StateSnapshotFile.FileName);
        if (!File.Exists(path)) return null;
        var bytes = File.ReadAllBytes(path);
        string? why = bytes.Length < 8 ? "shorter than its header"
            : !bytes.AsSpan(0, 8).SequenceEqual(Magic) ? $"not a ZSSNAP02 snapshot (it starts with '{System.Text.Encoding.ASCII.GetString(bytes, 0, 8)}'; the engine ignores it)"
            : bytes.Length < 70 || BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4)) != Crc32C.HashToUInt32(bytes.AsSpan(0, bytes.Length - 4))
                ? "fails its checksum (the engine ignores it and folds the whole log)"
            : null;
        if (why is not null)
        {
            problem = new InspectionProblem(path, -1, why);
            return null;
        }
        // The frame is sound: the runtime's own reader decodes it (and, with the key, authenticates the state).
        var snapshot = encrypted && cipher is null ? ReadFrameOnly(bytes) : StateSnapshotFile.TryRead(directory, cipher);
        if (snapshot is null)
        {
            problem = new InspectionProblem(path, -1, encrypted
                ? "its sealed state fails authentication or its fields do not add up (the engine ignores it and folds the whole log)"
                : "its fields do not add up (the engine ignores it and folds the whole log)");
            return null;
        }
        return new SnapshotReading(path, snapshot.Generation, snapshot.LogLength, snapshot.EventCount, snapshot.Frontier,
            snapshot.ContractFingerprint, snapshot.State.Length) { State = encrypted && cipher is null ? null : snapshot.State };
    }

    /// <summary>The folded state's bytes (as <c>ISnapshotableState.WriteSnapshot</c> wrote them); null when sealed and no key was given.</summary>
    public byte[]? State { get; init; }

    // Without the key: the same fields, the sealed state left sealed.
    private static StateSnapshotFile.Snapshot? ReadFrameOnly(byte[] bytes)
    {
        var span = bytes.AsSpan();
        const int fixedSize = 8 + 8 + 8 + 8 + 1 + 28 + 4;
        int stateLength = BinaryPrimitives.ReadInt32LittleEndian(span[61..]);
        if (stateLength < WalCipher.Overhead || (long)fixedSize + stateLength + 2 + 4 > span.Length) return null;
        int fingerprintLength = BinaryPrimitives.ReadUInt16LittleEndian(span[(fixedSize + stateLength)..]);
        if (fixedSize + stateLength + 2 + fingerprintLength + 4 != span.Length) return null;
        string fingerprint;
        try
        {
            fingerprint = new System.Text.UTF8Encoding(false, true).GetString(span.Slice(fixedSize + stateLength + 2, fingerprintLength));
        }
        catch (System.Text.DecoderFallbackException)
        {
            return null;
        }
        EventKey? frontier = span[32] == 1
            ? new EventKey(new Hlc(BinaryPrimitives.ReadInt64LittleEndian(span[33..]), BinaryPrimitives.ReadUInt32LittleEndian(span[41..])),
                new NodeId(BinaryPrimitives.ReadUInt64LittleEndian(span[45..])), BinaryPrimitives.ReadUInt64LittleEndian(span[53..]))
            : null;
        return new StateSnapshotFile.Snapshot(BinaryPrimitives.ReadUInt64LittleEndian(span[8..]), BinaryPrimitives.ReadInt64LittleEndian(span[16..]),
            BinaryPrimitives.ReadInt64LittleEndian(span[24..]), frontier, new byte[stateLength - WalCipher.Overhead], fingerprint);
    }

    /// <summary>
    /// Whether the snapshot still describes <paramref name="scan"/> the way the engine checks it on open (same
    /// generation; exactly its first <see cref="EventCount"/> events in fold order were written before
    /// <see cref="LogLength"/>); null when it does, else why the engine will fold the whole log instead.
    /// </summary>
    public string? CheckAgainst(WalInspector log, WalScanReport scan)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(scan);
        if (Generation != log.Generation)
            return string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"it describes log generation {Generation:x16}, not this log's {log.Generation:x16} (the engine ignores it and folds the whole log)");
        if (LogLength > scan.Length)
            return string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"it folded the log's first {LogLength} bytes, but the log has only {scan.Length} (the engine ignores it)");
        var fold = scan.EventsInFoldOrder().ToList();
        int firstAfter = Frontier is { } frontier ? fold.Count(e => e.Key <= frontier) : 0;
        if (firstAfter != EventCount)
            return string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"it folded {EventCount} events up to {Frontier?.ToString() ?? "the start"}, but the log holds {firstAfter} there (the engine ignores it)");
        for (int i = 0; i < fold.Count; i++)
            if ((i < firstAfter) != (fold[i].Offset < LogLength))
                return string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"event {fold[i].Origin}#{fold[i].Sequence} at byte {fold[i].Offset} is on the wrong side of the snapshot's {LogLength}-byte mark (the engine ignores it)");
        return null;
    }
}

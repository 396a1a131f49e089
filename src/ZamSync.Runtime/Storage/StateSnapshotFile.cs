using System.Buffers.Binary;
using ZamSync.Wal;

namespace ZamSync.Storage;

/// <summary>
/// <c>state.snapshot</c>: the folded state at a point of the log, so opening does not replay it. Only an
/// accelerator: if it is missing, damaged, belongs to another generation of the log, or was folded under another
/// contract, the engine folds from the log instead. Layout: magic "ZSSNAP02" | log generation u64 | log length i64
/// | event count i64 | has frontier u8 | frontier (HLC i64, u32, origin u64, seq u64) | state length i32 | state
/// (sealed with the log's cipher when the log is encrypted) | contract fingerprint length u16 | fingerprint (UTF-8)
/// | CRC-32C. A "ZSSNAP01" file (no fingerprint) is not read: one full fold after the upgrade that brought v2.
/// </summary>
/// <remarks>
/// Why the fingerprint: a build folds only the event types its contract knows and stores the others. After an
/// upgrade that knows them, resuming from a snapshot folded by the old build would leave them unapplied for good.
/// </remarks>
internal static class StateSnapshotFile
{
    public const string FileName = "state.snapshot";
    private static ReadOnlySpan<byte> Magic => "ZSSNAP02"u8;
    private const int FixedSize = 8 + 8 + 8 + 8 + 1 + 28 + 4;

    public sealed record Snapshot(ulong Generation, long LogLength, long EventCount, EventKey? Frontier, byte[] State, string ContractFingerprint);

    public static void Write(string directory, Snapshot snapshot, WalCipher? cipher)
    {
        int stateLength = snapshot.State.Length + (cipher is null ? 0 : WalCipher.Overhead);
        byte[] fingerprint = System.Text.Encoding.UTF8.GetBytes(snapshot.ContractFingerprint);
        if (fingerprint.Length > ushort.MaxValue) throw new ArgumentException("The contract fingerprint is too long.", nameof(snapshot));
        int end = FixedSize + stateLength + 2 + fingerprint.Length;
        var bytes = new byte[end + 4];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt64LittleEndian(span[8..], snapshot.Generation);
        BinaryPrimitives.WriteInt64LittleEndian(span[16..], snapshot.LogLength);
        BinaryPrimitives.WriteInt64LittleEndian(span[24..], snapshot.EventCount);
        span[32] = snapshot.Frontier is null ? (byte)0 : (byte)1;
        if (snapshot.Frontier is { } f)
        {
            BinaryPrimitives.WriteInt64LittleEndian(span[33..], f.Hlc.Physical);
            BinaryPrimitives.WriteUInt32LittleEndian(span[41..], f.Hlc.Logical);
            BinaryPrimitives.WriteUInt64LittleEndian(span[45..], f.Origin.Value);
            BinaryPrimitives.WriteUInt64LittleEndian(span[53..], f.Sequence);
        }
        BinaryPrimitives.WriteInt32LittleEndian(span[61..], stateLength);
        var state = span.Slice(FixedSize, stateLength);
        if (cipher is null) snapshot.State.CopyTo(state);
        else cipher.Seal(snapshot.State, span[..61], state);
        BinaryPrimitives.WriteUInt16LittleEndian(span[(FixedSize + stateLength)..], (ushort)fingerprint.Length);
        fingerprint.CopyTo(span[(FixedSize + stateLength + 2)..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[end..], Crc32C.HashToUInt32(span[..end]));
        DurableFile.WriteAllBytes(Path.Combine(directory, FileName), span);
    }

    /// <summary>The snapshot, or null when there is none or it cannot be trusted.</summary>
    public static Snapshot? TryRead(string directory, WalCipher? cipher)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return null;
        var span = File.ReadAllBytes(path).AsSpan();
        if (span.Length < FixedSize + 4 || !span[..8].SequenceEqual(Magic)) return null;
        if (BinaryPrimitives.ReadUInt32LittleEndian(span[^4..]) != Crc32C.HashToUInt32(span[..^4])) return null;
        int stateLength = BinaryPrimitives.ReadInt32LittleEndian(span[61..]);
        if (stateLength < 0 || (long)FixedSize + stateLength + 2 + 4 > span.Length) return null;
        int fingerprintLength = BinaryPrimitives.ReadUInt16LittleEndian(span[(FixedSize + stateLength)..]);
        if (FixedSize + stateLength + 2 + fingerprintLength + 4 != span.Length) return null;
        string fingerprint;
        try
        {
            fingerprint = new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetString(span.Slice(FixedSize + stateLength + 2, fingerprintLength));
        }
        catch (System.Text.DecoderFallbackException)
        {
            return null;
        }
        EventKey? frontier = span[32] == 1
            ? new EventKey(new Hlc(BinaryPrimitives.ReadInt64LittleEndian(span[33..]), BinaryPrimitives.ReadUInt32LittleEndian(span[41..])),
                new NodeId(BinaryPrimitives.ReadUInt64LittleEndian(span[45..])), BinaryPrimitives.ReadUInt64LittleEndian(span[53..]))
            : null;
        var sealedState = span.Slice(FixedSize, stateLength);
        byte[] state;
        if (cipher is null) state = sealedState.ToArray();
        else
        {
            state = new byte[Math.Max(0, stateLength - WalCipher.Overhead)];
            if (!cipher.TryOpen(sealedState, span[..61], state)) return null;
        }
        return new Snapshot(BinaryPrimitives.ReadUInt64LittleEndian(span[8..]), BinaryPrimitives.ReadInt64LittleEndian(span[16..]),
            BinaryPrimitives.ReadInt64LittleEndian(span[24..]), frontier, state, fingerprint);
    }

    public static void Delete(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (File.Exists(path)) File.Delete(path);
    }
}

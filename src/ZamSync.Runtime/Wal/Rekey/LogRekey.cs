using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Win32.SafeHandles;
using ZamSync.Inspection;
using ZamSync.Storage;

namespace ZamSync.Wal;

/// <summary>
/// Changes the key a stopped node's log is encrypted with (or encrypts a plain log), crash-safe: a kill at any moment
/// leaves the directory opening with the old key or with the new one, holding every event, never neither
/// (docs/operations.md, "Rekey").
/// </summary>
/// <remarks>
/// <para>The protocol, each step durable before the next:</para>
/// <list type="number">
/// <item>The new log is written beside the old one as <c>events.wal.rekey</c>: every record decrypted with the old key and
/// sealed with the new, in the same order with the same identities and batches, under a new header (a new generation,
/// the new key's check tag, the whole file sealed), then fsynced.</item>
/// <item>The decision: <c>rekey.pending</c> is written atomically (temporary, fsync, rename, fsync the directory) with
/// the new log's length and SHA-256. Before it exists the old log is the log; from then on the new one is.</item>
/// <item>The files sealed with the old key that only speed up an open (<c>state.snapshot</c>, <c>events.idx</c>) are
/// deleted, the new log is renamed over <c>events.wal</c> and the directory fsynced.</item>
/// <item><c>rekey.pending</c> is deleted.</item>
/// </list>
/// <para>Opening the directory (the engine, or another rekey) finishes an interrupted one first
/// (<see cref="FinishInterrupted"/>): with the marker and a new log that matches it, it rolls forward; with the marker
/// and no new log, the rename was done and only the clean-up is left; without the marker, it removes the new log,
/// which was never decided.</para>
/// </remarks>
public static class LogRekey
{
    /// <summary>The new log while it is written.</summary>
    public const string NewLogFile = WalEventStore.FileName + ".rekey";

    /// <summary>The decision: present from the moment the new log is complete until the switch is done.</summary>
    public const string MarkerFile = "rekey.pending";

    /// <summary>
    /// Re-encrypts the log of the stopped node in <paramref name="directory"/> with <paramref name="newKey"/>, holding the
    /// directory's lock throughout (a running node's directory is refused with <see cref="DataDirectoryLockedException"/>).
    /// </summary>
    /// <param name="directory">The node's data directory.</param>
    /// <param name="oldKey">The current key; empty for a plain log (which is then encrypted).</param>
    /// <param name="newCipher">The cipher of the new log.</param>
    /// <param name="newKey">The new 32-byte key.</param>
    /// <param name="step">Told of each durable step as it is done (for an operator's <c>--verbose</c>).</param>
    /// <exception cref="WalKeyException">The old key does not open the log.</exception>
    /// <exception cref="ZamException">The log has problems (damage, a torn tail): nothing was changed.</exception>
    public static RekeyResult Rekey(string directory, ReadOnlyMemory<byte> oldKey, WalCipherKind newCipher, ReadOnlyMemory<byte> newKey,
        Action<string>? step = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (newCipher == WalCipherKind.None) throw new ArgumentException("A rekey writes an encrypted log: name its cipher.", nameof(newCipher));
        directory = Path.GetFullPath(directory);
        string logPath = Path.Combine(directory, WalEventStore.FileName);
        if (!File.Exists(logPath)) throw new FileNotFoundException($"'{directory}' holds no log ({WalEventStore.FileName}).", logPath);
        using var directoryLock = DirectoryLock.Acquire(directory);
        if (FinishInterrupted(directory) is { } earlier) step?.Invoke($"finished an interrupted rekey first: {earlier}");

        using var newCipherInstance = new WalCipher(newCipher, newKey.Span);
        string newPath = Path.Combine(directory, NewLogFile);
        long events = 0, length;
        using (var old = WalInspector.Open(logPath, oldKey))
        {
            if (old.Cipher != WalCipherKind.None && oldKey.IsEmpty)
                throw new WalKeyException($"The log '{logPath}' is encrypted ({old.Cipher}); give its current key to rekey it.");
            var scan = old.Scan(null, cancellationToken);
            if (scan.Problems.Count > 0)
                throw new ZamException($"The log '{logPath}' has {scan.Problems.Count} problem(s), the first: {scan.Problems[0]}. Nothing was changed: a rekey copies only a whole log (open the node once to cut a torn tail, or restore a backup).");
            using var oldCipher = old.Cipher == WalCipherKind.None ? null : new WalCipher(old.Cipher, oldKey.Span);
            (length, events) = WriteNewLog(logPath, newPath, old.NodeId, scan, oldCipher, newCipher, newCipherInstance, cancellationToken);
        }
        step?.Invoke($"wrote the new log {NewLogFile} ({length} bytes, {events} events) and flushed it");

        cancellationToken.ThrowIfCancellationRequested();
        // From here on the new key is the key: nothing below can be cancelled half-way.
        DurableFile.WriteAllBytes(Path.Combine(directory, MarkerFile), Marker.Encode(length, Hash(newPath)));
        step?.Invoke($"decided: {MarkerFile} written (the new key opens the directory from now on)");
        SwitchAndClean(directory);
        step?.Invoke($"switched: {WalEventStore.FileName} is the new log");
        return new RekeyResult(events, length);
    }

    /// <summary>
    /// Finishes or rolls back a rekey a crash interrupted in <paramref name="directory"/> (the caller holds its lock).
    /// Returns what it did, or null when there was nothing to do. Needs no key: it only renames and deletes files.
    /// </summary>
    internal static string? FinishInterrupted(string directory)
    {
        string marker = Path.Combine(directory, MarkerFile), newPath = Path.Combine(directory, NewLogFile);
        bool hasMarker = File.Exists(marker), hasNew = File.Exists(newPath);
        DurableFile.TryDelete(marker + ".tmp");
        if (!hasMarker)
        {
            if (!hasNew) return null;
            // Never decided: the old log is the log.
            File.Delete(newPath);
            DurableFile.FlushDirectory(directory);
            return $"rolled back (the new log was never decided; {WalEventStore.FileName} keeps the old key)";
        }
        if (hasNew)
        {
            var (length, sha256) = Marker.Decode(File.ReadAllBytes(marker), marker);
            if (new FileInfo(newPath).Length != length || Hash(newPath) != sha256)
            {
                // It was flushed before the decision, so this is damage: keep the old log, which is whole.
                File.Delete(marker);
                DurableFile.FlushDirectory(directory);
                File.Delete(newPath);
                DurableFile.FlushDirectory(directory);
                return $"rolled back ({NewLogFile} does not match {MarkerFile}; {WalEventStore.FileName} keeps the old key)";
            }
        }
        SwitchAndClean(directory);
        return "rolled forward (the new key opens the log)";
    }

    /// <summary>Steps 3 and 4: drop what the old key sealed, rename the new log into place (if not yet), drop the marker.</summary>
    private static void SwitchAndClean(string directory)
    {
        DurableFile.TryDelete(Path.Combine(directory, StateSnapshotFile.FileName));
        DurableFile.TryDelete(Path.Combine(directory, Index.WalIndexFile.FileName));
        string newPath = Path.Combine(directory, NewLogFile);
        if (File.Exists(newPath)) DurableFile.Replace(newPath, Path.Combine(directory, WalEventStore.FileName));
        else DurableFile.FlushDirectory(directory);
        File.Delete(Path.Combine(directory, MarkerFile));
        DurableFile.FlushDirectory(directory);
    }

    private static (long Length, long Events) WriteNewLog(string oldPath, string newPath, NodeId node, WalScanReport scan,
        WalCipher? oldCipher, WalCipherKind newKind, WalCipher newCipher, CancellationToken cancellationToken)
    {
        using var input = File.OpenHandle(oldPath, FileMode.Open, FileAccess.Read, FileShare.Read);
        using var output = File.OpenHandle(newPath, FileMode.Create, FileAccess.Write, FileShare.None);
        long at = WalFileHeader.Size, events = 0;
        var buffer = Array.Empty<byte>();
        foreach (var record in scan.Records)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var raw = new byte[record.Length];
            ReadExactly(input, raw, record.Offset, oldPath);
            if (!WalRecord.TryReadHeader(raw, out var header) || header.RecordLength != record.Length || !WalRecord.BodyChecksumMatches(raw, header.BodyLength))
                throw new WalCorruptionException(oldPath, record.Offset, -1, "a record changed on disk during the rekey");
            var plain = WalRecord.OpenBody(raw, header, oldCipher, oldPath, record.Offset);
            int size = WalRecord.EncodedLength(plain.Length, newCipher);
            if (buffer.Length < size) buffer = new byte[size];
            var identity = new EventEnvelope(header.Origin, header.Sequence, header.Hlc, header.EventType, default);
            int written = WalRecord.Write(buffer, header.Kind, header.Flags, header.Batch, identity, plain.Span, newCipher);
            RandomAccess.Write(output, buffer.AsSpan(0, written), at);
            at += written;
            if (header.Kind == WalRecordKind.Event) events++;
        }
        // Written last, with the whole file sealed: it is flushed before it is decided, so no crash can tear it, and
        // damage anywhere in it is refused, never cut as a torn tail. A new generation: nothing sealed for the old log
        // can be taken for a description of this one.
        var headerBytes = new byte[WalFileHeader.Size];
        (WalFileHeader.Create(newKind, node) with { SealedLength = at }).Write(headerBytes, newCipher);
        RandomAccess.Write(output, headerBytes, 0);
        RandomAccess.FlushToDisk(output);
        return (at, events);
    }

    private static void ReadExactly(SafeFileHandle file, Span<byte> destination, long offset, string path)
    {
        int read = 0;
        while (read < destination.Length)
        {
            int n = RandomAccess.Read(file, destination[read..], offset + read);
            if (n == 0) throw new WalCorruptionException(path, offset + read, -1, "the file ends inside a record during the rekey");
            read += n;
        }
    }

    private static string Hash(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }

    /// <summary><c>rekey.pending</c>: two lines, <c>length N</c> and <c>sha256 HEX</c>, of the new log.</summary>
    private static class Marker
    {
        public static byte[] Encode(long length, string sha256) =>
            Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"ZSREKEY1\nlength {length}\nsha256 {sha256}\n"));

        public static (long Length, string Sha256) Decode(byte[] bytes, string path)
        {
            var lines = Encoding.ASCII.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (lines.Length == 3 && lines[0] == "ZSREKEY1" && lines[1].StartsWith("length ", StringComparison.Ordinal) && lines[2].StartsWith("sha256 ", StringComparison.Ordinal)
                && long.TryParse(lines[1].AsSpan(7), NumberStyles.None, CultureInfo.InvariantCulture, out long length))
                return (length, lines[2][7..]);
            // Written atomically, so this is damage; without it nothing says which log is decided. The old log is
            // whole and stays: refuse rather than guess.
            throw new ZamException($"'{path}' is damaged, so it cannot tell whether the interrupted rekey was decided. Both logs are kept: try opening with the new key after renaming {NewLogFile} to {WalEventStore.FileName}, or with the old key after deleting {NewLogFile}; then delete {MarkerFile}.");
        }
    }
}

/// <summary>What a rekey rewrote.</summary>
/// <param name="Events">Events in the new log.</param>
/// <param name="Bytes">The new log's length.</param>
public sealed record RekeyResult(long Events, long Bytes);

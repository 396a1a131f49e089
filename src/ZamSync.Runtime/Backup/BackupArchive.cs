using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;

namespace ZamSync.Backup;

/// <summary>
/// The backup file: a POSIX tar archive (pax), so <c>tar -tvf</c> lists it. The data directory's files come first
/// under <c>files/</c> (each with its mode), then <c>manifest.json</c> (every file's size and SHA-256) and last
/// <c>manifest.sha256</c>, the manifest's own SHA-256. The manifest comes after the files because their hashes are
/// taken as they are written, in one pass over a log that may be large.
/// </summary>
internal static class BackupArchive
{
    public const string FilesPrefix = "files/", ManifestEntry = "manifest.json", ManifestChecksumEntry = "manifest.sha256";

    /// <summary>Writes <paramref name="items"/> and the manifest completed with their hashes; returns that manifest.</summary>
    public static async Task<BackupManifest> WriteAsync(Stream destination, BackupManifest manifest, IReadOnlyList<BackupItem> items, CancellationToken cancellationToken)
    {
        var files = new List<BackupFile>(items.Count);
        var created = manifest.Created;
        await using (var tar = new TarWriter(destination, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var directory in manifest.Directories)
                await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, FilesPrefix + directory.Path + "/") { Mode = directory.Mode, ModificationTime = created }, cancellationToken).ConfigureAwait(false);
            foreach (var item in items)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await using var data = item.OpenRead();
                await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, FilesPrefix + item.Path) { Mode = item.Mode, ModificationTime = created, DataStream = data }, cancellationToken).ConfigureAwait(false);
                files.Add(new BackupFile(item.Path, item.Length, item.Mode, data.Sha256()));
            }
            manifest = manifest with { Files = files };
            var encoded = manifest.Encode();
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, ManifestEntry) { Mode = Private, ModificationTime = created, DataStream = new MemoryStream(encoded) }, cancellationToken).ConfigureAwait(false);
            var checksum = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(SHA256.HashData(encoded)) + "\n");
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, ManifestChecksumEntry) { Mode = Private, ModificationTime = created, DataStream = new MemoryStream(checksum) }, cancellationToken).ConfigureAwait(false);
        }
        return manifest;
    }

    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Reads the whole archive and checks it: its structure, every file against its size and SHA-256 in the manifest,
    /// the manifest against <c>manifest.sha256</c>, and that it holds exactly the manifest's files and directories
    /// with safe relative paths. Each file's bytes go to <paramref name="sink"/> as they are read (null: checked only).
    /// </summary>
    /// <exception cref="BackupDamagedException">Any of it does not hold.</exception>
    public static async Task<BackupManifest> ReadAsync(string backupFile, Func<string, UnixFileMode, Stream, CancellationToken, Task>? sink, Action<string, UnixFileMode>? onDirectory, CancellationToken cancellationToken)
    {
        var seen = new List<BackupFile>();
        var directories = new List<BackupDirectory>();
        byte[]? manifestBytes = null;
        string? manifestChecksum = null;
        FileStream input;
        try
        {
            input = new FileStream(backupFile, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BackupDamagedException(backupFile, $"it cannot be read ({ex.Message})", ex);
        }
        await using (input)
        {
            try
            {
                await using var tar = new TarReader(input, leaveOpen: true);
                while (await tar.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
                {
                    if (manifestChecksum is not null) throw new BackupDamagedException(backupFile, $"'{entry.Name}' follows {ManifestChecksumEntry}, which ends a backup");
                    if (entry.Name == ManifestEntry) manifestBytes = await ReadSmallAsync(entry, backupFile, cancellationToken).ConfigureAwait(false);
                    else if (entry.Name == ManifestChecksumEntry) manifestChecksum = Encoding.ASCII.GetString(await ReadSmallAsync(entry, backupFile, cancellationToken).ConfigureAwait(false)).Trim();
                    else if (manifestBytes is not null) throw new BackupDamagedException(backupFile, $"'{entry.Name}' follows the manifest");
                    else if (entry.EntryType == TarEntryType.Directory)
                    {
                        string path = RelativePath(entry.Name.TrimEnd('/'), backupFile);
                        directories.Add(new BackupDirectory(path, entry.Mode));
                        onDirectory?.Invoke(path, entry.Mode);
                    }
                    else if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile)
                    {
                        string path = RelativePath(entry.Name, backupFile);
                        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                        var data = new HashingReader(entry.DataStream ?? Stream.Null, hash);
                        if (sink is null) await data.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
                        else await sink(path, entry.Mode, data, cancellationToken).ConfigureAwait(false);
                        seen.Add(new BackupFile(path, data.Count, entry.Mode, Convert.ToHexStringLower(hash.GetHashAndReset())));
                    }
                    else throw new BackupDamagedException(backupFile, $"'{entry.Name}' is a {entry.EntryType} entry, which a backup never holds");
                }
            }
            catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or FormatException or ArgumentException)
            {
                throw new BackupDamagedException(backupFile, $"it is not a whole tar archive at byte {SafePosition(input)} ({ex.Message})", ex);
            }
        }
        if (manifestBytes is null) throw new BackupDamagedException(backupFile, $"it ends before its {ManifestEntry} (cut short, or not a zamsync backup)");
        if (manifestChecksum is null) throw new BackupDamagedException(backupFile, $"it ends before its {ManifestChecksumEntry} (cut short)");
        if (!string.Equals(manifestChecksum, Convert.ToHexStringLower(SHA256.HashData(manifestBytes)), StringComparison.Ordinal))
            throw new BackupDamagedException(backupFile, $"{ManifestEntry} does not match its SHA-256 in {ManifestChecksumEntry}");
        BackupManifest manifest;
        try
        {
            manifest = BackupManifest.Decode(manifestBytes);
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException or OverflowException or ArgumentException)
        {
            throw new BackupDamagedException(backupFile, ex.Message, ex);
        }
        var expected = manifest.Files.ToDictionary(f => f.Path, StringComparer.Ordinal);
        foreach (var file in seen)
        {
            if (!expected.Remove(file.Path, out var listed)) throw new BackupDamagedException(backupFile, $"files/{file.Path} is not in the manifest");
            if (listed.Bytes != file.Bytes) throw new BackupDamagedException(backupFile, $"files/{file.Path} holds {file.Bytes} bytes, the manifest says {listed.Bytes}");
            if (listed.Sha256 != file.Sha256) throw new BackupDamagedException(backupFile, $"files/{file.Path} does not match its SHA-256 in the manifest");
        }
        if (expected.Count > 0) throw new BackupDamagedException(backupFile, $"files/{expected.Keys.First()} is in the manifest but not in the archive");
        if (!manifest.Files.Any(f => f.Path == Wal.WalEventStore.FileName)) throw new BackupDamagedException(backupFile, $"it holds no {Wal.WalEventStore.FileName}");
        return manifest;
    }

    private static long SafePosition(FileStream input)
    {
        try { return input.Position; } catch (ObjectDisposedException) { return -1; }
    }

    private static async Task<byte[]> ReadSmallAsync(TarEntry entry, string backupFile, CancellationToken cancellationToken)
    {
        if (entry.Length > 64 << 20) throw new BackupDamagedException(backupFile, $"'{entry.Name}' is {entry.Length} bytes, too large to be a manifest");
        var buffer = new MemoryStream();
        if (entry.DataStream is not null) await entry.DataStream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    /// <summary>A file's path in the data directory: under <c>files/</c>, relative, no <c>..</c>, nothing that could land outside it.</summary>
    private static string RelativePath(string name, string backupFile)
    {
        if (!name.StartsWith(FilesPrefix, StringComparison.Ordinal)) throw new BackupDamagedException(backupFile, $"'{name}' is outside {FilesPrefix}");
        string path = name[FilesPrefix.Length..];
        var parts = path.Split('/');
        if (path.Length == 0 || path.Contains('\\') || path.Contains('\0') || parts.Any(p => p is "" or "." or ".."))
            throw new BackupDamagedException(backupFile, $"'{name}' is not a plain relative path");
        return path;
    }

    /// <summary>Hashes and counts what is read through it.</summary>
    private sealed class HashingReader(Stream inner, IncrementalHash hash) : Stream
    {
        public long Count { get; private set; }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => Count; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = inner.Read(buffer);
            hash.AppendData(buffer[..n]);
            Count += n;
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            hash.AppendData(buffer.Span[..n]);
            Count += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>A backup file that cannot be restored: damaged, cut short, or not a zamsync backup. Nothing was written.</summary>
public sealed class BackupDamagedException(string file, string reason, Exception? inner = null)
    : ZamException($"The backup '{file}' cannot be restored: {reason}. Nothing was written.", inner)
{
    /// <summary>The backup file.</summary>
    public string File { get; } = file;

    /// <summary>What is wrong with it.</summary>
    public string Reason { get; } = reason;
}

using ZamSync.Inspection;
using ZamSync.Storage;
using ZamSync.Wal;

namespace ZamSync.Backup;

/// <summary>
/// Backups of a node's data directory (docs/operations.md, "Backup and restore"). A running node is backed up by its
/// engine (<see cref="ZamEngine.BackupAsync(string, CancellationToken)"/>, or the control endpoint's <c>backup</c>); a
/// stopped node's directory by <see cref="BackupStoppedDirectoryAsync"/>, which holds the directory's lock while it
/// copies. <see cref="RestoreAsync"/> checks a backup whole before it writes anything and marks the restored directory
/// (<see cref="ZamEngine.MarkRestored"/>) so the node wins back its own newer events before it mints a sequence.
/// </summary>
public static class NodeBackup
{
    /// <summary>
    /// Files never copied: the lock (its handle is the lock), the restore marker (a restore writes its own), the control
    /// socket's folder, and leftovers of interrupted atomic writes and compactions.
    /// </summary>
    internal static bool IsSkipped(string relativePath) =>
        relativePath is DirectoryLock.FileName or ZamEngine.RestoredMarkerFile
        || relativePath == "control" || relativePath.StartsWith("control/", StringComparison.Ordinal)
        || relativePath.EndsWith(".tmp", StringComparison.Ordinal)
        || relativePath == WalEventStore.FileName + ".compact";

    /// <summary>
    /// Backs up a stopped node's directory to <paramref name="backupFile"/> (created; never overwritten). The directory's
    /// lock is held while the copy is taken, so no engine starts meanwhile; a running node's directory is refused with
    /// <see cref="DataDirectoryLockedException"/> (back it up through its engine instead).
    /// </summary>
    /// <returns>The manifest written, with every file's hash.</returns>
    public static async Task<BackupManifest> BackupStoppedDirectoryAsync(string directory, string backupFile, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentException.ThrowIfNullOrEmpty(backupFile);
        directory = Path.GetFullPath(directory);
        backupFile = Path.GetFullPath(backupFile);
        RefuseInside(directory, backupFile);
        using var node = DataDirectoryInspector.Open(directory);
        var scan = node.Log.Scan(null, cancellationToken);
        var snapshot = node.ReadSnapshot(out _);
        var (directories, paths) = Walk(directory, _ => false);
        var items = new List<BackupItem>();
        try
        {
            foreach (var path in paths) items.Add(BackupItem.FromDisk(path, Path.Combine(directory, path)));
            var manifest = new BackupManifest
            {
                Node = node.Log.NodeId, Created = DateTimeOffset.UtcNow, Source = directory, TakenFrom = "stopped",
                Cipher = node.Log.Cipher, Known = scan.Known, ContractFingerprint = snapshot?.ContractFingerprint ?? "",
                Directories = directories,
            };
            return await WriteFileAsync(backupFile, stream => BackupArchive.WriteAsync(stream, manifest, items, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var item in items) item.Dispose();
        }
    }

    /// <summary>Reads a backup whole and checks every file's size and SHA-256 against its manifest, writing nothing.</summary>
    /// <exception cref="BackupDamagedException">The backup is damaged, cut short, or not a zamsync backup.</exception>
    public static Task<BackupManifest> VerifyAsync(string backupFile, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(backupFile);
        return BackupArchive.ReadAsync(Path.GetFullPath(backupFile), null, null, cancellationToken);
    }

    /// <summary>
    /// Restores <paramref name="backupFile"/> into <paramref name="directory"/>, which must not exist or be empty. The
    /// backup is checked whole first (nothing is written if any of it is wrong); then the directory is marked restored
    /// before any file is written (so even a restore cut short cannot open as a node that mints sequences blind), every
    /// file is written with its mode and fsynced, checked again against the manifest, and the directories are fsynced.
    /// </summary>
    /// <exception cref="BackupDamagedException">The backup is damaged (nothing was written).</exception>
    /// <exception cref="IOException">The target is not empty, or writing failed (what was written is removed).</exception>
    public static async Task<BackupManifest> RestoreAsync(string backupFile, string directory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(backupFile);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        backupFile = Path.GetFullPath(backupFile);
        directory = Path.GetFullPath(directory);
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
            throw new IOException($"'{directory}' is not empty: a backup is restored only into a new or empty directory (nothing was written).");
        if (File.Exists(directory)) throw new IOException($"'{directory}' is a file, not a directory (nothing was written).");
        var manifest = await BackupArchive.ReadAsync(backupFile, null, null, cancellationToken).ConfigureAwait(false);
        bool created = !Directory.Exists(directory);
        var written = new List<string>();
        try
        {
            Directory.CreateDirectory(directory);
            if (created) DurableFile.FlushDirectory(Path.GetDirectoryName(directory)!);
            ZamEngine.MarkRestored(directory);
            var touched = new HashSet<string>(StringComparer.Ordinal) { directory };
            var again = await BackupArchive.ReadAsync(backupFile, async (path, mode, data, token) =>
            {
                string target = Path.Combine(directory, path.Replace('/', Path.DirectorySeparatorChar));
                string parent = Path.GetDirectoryName(target)!;
                if (!Directory.Exists(parent)) Directory.CreateDirectory(parent);
                touched.Add(parent);
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, Options = FileOptions.Asynchronous };
                if (!OperatingSystem.IsWindows()) options.UnixCreateMode = mode & ~(UnixFileMode.SetUser | UnixFileMode.SetGroup | UnixFileMode.StickyBit);
                written.Add(target);
                await using var output = new FileStream(target, options);
                await data.CopyToAsync(output, token).ConfigureAwait(false);
                output.Flush(flushToDisk: true);
            }, (path, mode) =>
            {
                string target = Path.Combine(directory, path.Replace('/', Path.DirectorySeparatorChar));
                if (OperatingSystem.IsWindows()) Directory.CreateDirectory(target);
                else Directory.CreateDirectory(target, mode & (UnixFileMode)0x1FF);
                touched.Add(target);
            }, cancellationToken).ConfigureAwait(false);
            if (again.Encode().AsSpan().SequenceEqual(manifest.Encode()) is false)
                throw new BackupDamagedException(backupFile, "it changed while it was being restored");
            foreach (var path in touched.OrderByDescending(p => p.Length)) DurableFile.FlushDirectory(path);
            return manifest;
        }
        catch
        {
            // Leave no half-restored directory that a node could open: remove what this restore wrote.
            foreach (var file in written) DurableFile.TryDelete(file);
            try
            {
                if (created) Directory.Delete(directory, recursive: true);
                else foreach (var entry in Directory.EnumerateFileSystemEntries(directory)) if (Directory.Exists(entry)) Directory.Delete(entry, true); else File.Delete(entry);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>Every directory (with its mode, parents first) and regular file below <paramref name="root"/>, relative and '/'-separated, minus the skipped ones.</summary>
    internal static (List<BackupDirectory> Directories, List<string> Files) Walk(string root, Func<string, bool> takenElsewhere)
    {
        var directories = new List<BackupDirectory>();
        var files = new List<string>();
        void Visit(string full, string relative)
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(full).Order(StringComparer.Ordinal))
            {
                string name = relative.Length == 0 ? Path.GetFileName(entry) : relative + "/" + Path.GetFileName(entry);
                if (IsSkipped(name) || takenElsewhere(name)) continue;
                var info = new FileInfo(entry);
                if (info.LinkTarget is not null) continue; // links point outside what the node owns
                if (Directory.Exists(entry))
                {
                    directories.Add(new BackupDirectory(name, BackupItem.ModeOf(entry)));
                    Visit(entry, name);
                }
                else if ((info.Attributes & (FileAttributes.Device | FileAttributes.ReparsePoint)) == 0 && IsRegular(entry))
                {
                    files.Add(name);
                }
            }
        }
        Visit(root, "");
        return (directories, files);
    }

    // Sockets and FIFOs (a control socket outside control/) are not data.
    private static bool IsRegular(string path)
    {
        if (OperatingSystem.IsWindows()) return true;
        try
        {
            using var probe = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    internal static void RefuseInside(string directory, string backupFile)
    {
        string root = Path.TrimEndingDirectorySeparator(directory) + Path.DirectorySeparatorChar;
        if (backupFile.StartsWith(root, StringComparison.Ordinal))
            throw new IOException($"The backup file '{backupFile}' is inside the directory it backs up ('{directory}'): write it elsewhere.");
    }

    /// <summary>
    /// Writes a backup to <paramref name="backupFile"/> beside it first (<c>.tmp</c>), fsyncs it and renames it into
    /// place, so a crash or a failure never leaves a partial file under the final name. Never overwrites a file.
    /// </summary>
    internal static async Task<BackupManifest> WriteFileAsync(string backupFile, Func<Stream, Task<BackupManifest>> write, CancellationToken cancellationToken)
    {
        if (File.Exists(backupFile) || Directory.Exists(backupFile))
            throw new IOException($"'{backupFile}' already exists: a backup never overwrites a file. Choose another name.");
        string temp = backupFile + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None, Options = FileOptions.Asynchronous, BufferSize = 1 << 16 };
        // A backup may hold key material (tls/*.pfx): readable by its owner only, from the moment it exists.
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            BackupManifest manifest;
            await using (var output = new FileStream(temp, options))
            {
                manifest = await write(output).ConfigureAwait(false);
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                output.Flush(flushToDisk: true);
            }
            File.Move(temp, backupFile, overwrite: false);
            DurableFile.FlushDirectory(Path.GetDirectoryName(backupFile)!);
            return manifest;
        }
        catch
        {
            DurableFile.TryDelete(temp);
            throw;
        }
    }
}

namespace ZamSync.Storage;

/// <summary>
/// One writer per data directory. Holds <c>zamsync.lock</c> open with no sharing; on Unix .NET backs this
/// with an advisory <c>flock</c>, so a second engine in this or another process is refused, and the lock is
/// released by the kernel if the process dies. Only a lock someone else holds is
/// <see cref="DataDirectoryLockedException"/>; a full, read-only or forbidden file system is a
/// <see cref="ZamStorageException"/> naming the lock file and the reason.
/// </summary>
internal sealed class DirectoryLock : IDisposable
{
    public const string FileName = "zamsync.lock";
    private readonly FileStream _stream;

    private DirectoryLock(FileStream stream) => _stream = stream;

    public static DirectoryLock Acquire(string directory)
    {
        string path = Path.Combine(directory, FileName);
        FileStream? stream = null;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            // Leave a note for the operator; the lock itself is the open handle, not the contents.
            stream.SetLength(0);
            var note = System.Text.Encoding.UTF8.GetBytes($"pid {Environment.ProcessId}\n");
            stream.Write(note);
            stream.Flush();
            return new DirectoryLock(stream);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A note that could not be written (disk full) must not keep the lock it did take.
            stream?.Dispose();
            if (StorageErrors.Classify(ex) == StorageErrors.Cause.LockHeld) throw new DataDirectoryLockedException(directory, ex);
            throw new ZamStorageException(
                $"The data directory '{directory}' cannot be opened: cannot create lock file {path}: {StorageErrors.Describe(ex)}.{StorageErrors.Remedy(ex)}", ex);
        }
    }

    public void Dispose() => _stream.Dispose();
}

namespace ZamSync.Storage;

/// <summary>
/// One writer per data directory. Holds <c>zamsync.lock</c> open with no sharing; on Unix .NET backs this
/// with an advisory <c>flock</c>, so a second engine in this or another process is refused, and the lock is
/// released by the kernel if the process dies.
/// </summary>
internal sealed class DirectoryLock : IDisposable
{
    public const string FileName = "zamsync.lock";
    private readonly FileStream _stream;

    private DirectoryLock(FileStream stream) => _stream = stream;

    public static DirectoryLock Acquire(string directory)
    {
        string path = Path.Combine(directory, FileName);
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            // Leave a note for the operator; the lock itself is the open handle, not the contents.
            stream.SetLength(0);
            var note = System.Text.Encoding.UTF8.GetBytes($"pid {Environment.ProcessId}\n");
            stream.Write(note);
            stream.Flush();
            return new DirectoryLock(stream);
        }
        catch (IOException ex)
        {
            throw new DataDirectoryLockedException(directory, ex);
        }
    }

    public void Dispose() => _stream.Dispose();
}

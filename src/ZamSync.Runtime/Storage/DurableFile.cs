using System.Runtime.InteropServices;

namespace ZamSync.Storage;

/// <summary>
/// File operations whose result survives power loss: write-to-temporary, fsync, rename, fsync the
/// directory. A rename is atomic, but only durable once the directory entry itself is flushed.
/// </summary>
internal static partial class DurableFile
{
    /// <summary>Atomically replaces <paramref name="path"/> with <paramref name="contents"/>.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> contents)
    {
        string temp = path + ".tmp";
        try
        {
            using (var handle = File.OpenHandle(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                RandomAccess.Write(handle, contents, 0);
                RandomAccess.FlushToDisk(handle);
            }
            Replace(temp, path);
        }
        catch
        {
            TryDelete(temp); // a half-written temporary must not keep holding space on a full disk
            throw;
        }
    }

    /// <summary>Deletes a temporary file if it exists, without letting a failure to do so hide the original error.</summary>
    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Renames a fully written and flushed <paramref name="source"/> over <paramref name="target"/>, durably.</summary>
    public static void Replace(string source, string target)
    {
        File.Move(source, target, overwrite: true);
        FlushDirectory(Path.GetDirectoryName(Path.GetFullPath(target))!);
    }

    /// <summary>fsync on a directory, so a rename or a new file in it survives power loss.</summary>
    public static void FlushDirectory(string directory)
    {
        // .NET cannot open a directory as a file, so on Unix we ask libc directly. Windows has no
        // equivalent and needs none: NTFS journals the rename itself.
        if (OperatingSystem.IsWindows()) return;
        int fd = Open(directory, 0 /* O_RDONLY */);
        if (fd < 0) throw new IOException($"Cannot open directory '{directory}' to flush it (errno {Marshal.GetLastPInvokeError()}).");
        try
        {
            if (Fsync(fd) != 0) throw new IOException($"fsync of directory '{directory}' failed (errno {Marshal.GetLastPInvokeError()}).");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}

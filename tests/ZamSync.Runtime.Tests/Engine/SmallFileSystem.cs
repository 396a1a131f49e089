using System.Diagnostics;

namespace ZamSync.Tests.Engine;

/// <summary>
/// A real, small file system: a tmpfs of a fixed size mounted on a directory, so "disk full" is the kernel's
/// ENOSPC and not a simulation. Needs Linux and the right to mount (root, as on the CI machines).
/// </summary>
public sealed class SmallFileSystem : IDisposable
{
    private static readonly Lazy<string?> Probe = new(ProbeMount);

    private SmallFileSystem(string path) => Path = path;

    public string Path { get; }

    /// <summary>Why a tmpfs cannot be mounted here, or null when it can (checked once, by mounting one).</summary>
    public static string? Unavailable => Probe.Value;

    public static SmallFileSystem Mount(string path, long bytes)
    {
        Directory.CreateDirectory(path);
        var (code, error) = Run("mount", "-t", "tmpfs", "-o", $"size={bytes}", "tmpfs", path);
        if (code != 0) throw new InvalidOperationException($"mount -t tmpfs on '{path}' failed ({code}): {error}");
        return new SmallFileSystem(path);
    }

    public long FreeBytes => new DriveInfo(Path).AvailableFreeSpace;

    /// <summary>Writes a file of real (allocated, not sparse) bytes until only about <paramref name="leave"/> bytes are free.</summary>
    public void FillLeaving(string file, long leave)
    {
        using var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None);
        var chunk = new byte[4096];
        Array.Fill(chunk, (byte)0xA5);
        while (FreeBytes - chunk.Length > leave) stream.Write(chunk);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Writes real bytes into <paramref name="file"/> until the kernel says ENOSPC: not one block is left.</summary>
    public void FillCompletely(string file)
    {
        using var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None);
        var chunk = new byte[4096];
        Array.Fill(chunk, (byte)0x5A);
        try
        {
            while (true) stream.Write(chunk); // tmpfs hands out whole pages: once a page is refused, none is left
        }
        catch (IOException) when (FreeBytes < chunk.Length)
        {
            // full
        }
    }

    /// <summary>Makes the mounted file system read-only (the kernel's EROFS from now on), as a failing disk remounted by the OS is.</summary>
    public void RemountReadOnly()
    {
        var (code, error) = Run("mount", "-o", "remount,ro", Path);
        if (code != 0) throw new InvalidOperationException($"mount -o remount,ro '{Path}' failed ({code}): {error}");
    }

    /// <summary>Sets or clears the immutable attribute (<c>chattr ±i</c>): even root may not create files in an immutable directory (EPERM).</summary>
    public static (int Code, string Error) SetImmutable(string path, bool immutable) => Run("chattr", immutable ? "+i" : "-i", path);

    public void Dispose()
    {
        if (Run("umount", Path).Code != 0) Run("umount", "-l", Path); // lazily, if something still holds a file open
    }

    private static string? ProbeMount()
    {
        if (!OperatingSystem.IsLinux()) return "needs a Linux tmpfs to fill a real file system";
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "zamsync-tests", "tmpfs-probe-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            using (Mount(path, 64 * 1024)) { }
            return null;
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or IOException)
        {
            return $"cannot mount a tmpfs here, so there is no real small file system to fill: {ex.Message}";
        }
        finally
        {
            try { Directory.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static (int Code, string Error) Run(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{program} did not start");
        string error = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, error.Trim());
    }
}

/// <summary>A fact that runs only where a tmpfs can be mounted; elsewhere it is reported skipped, with the reason.</summary>
public sealed class SmallFileSystemFactAttribute : FactAttribute
{
    public SmallFileSystemFactAttribute()
    {
        if (SmallFileSystem.Unavailable is { } reason) Skip = reason;
    }
}

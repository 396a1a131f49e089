namespace ZamSync.Storage;

/// <summary>
/// What an I/O error from the file system means. On Unix .NET puts the errno in the low 16 bits of
/// <see cref="Exception.HResult"/> (on Windows, the Win32 error code), and raises
/// <see cref="UnauthorizedAccessException"/> for EACCES and EPERM.
/// </summary>
internal static class StorageErrors
{
    public enum Cause { Other, LockHeld, NoSpace, ReadOnly, PermissionDenied }

    public static Cause Classify(Exception error)
    {
        if (error is UnauthorizedAccessException) return Cause.PermissionDenied;
        if (error is not IOException) return Cause.Other;
        int code = error.HResult & 0xFFFF;
        if (OperatingSystem.IsWindows())
        {
            return code switch
            {
                32 or 33 => Cause.LockHeld,        // ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION
                39 or 112 => Cause.NoSpace,        // ERROR_HANDLE_DISK_FULL, ERROR_DISK_FULL
                19 => Cause.ReadOnly,              // ERROR_WRITE_PROTECT
                5 => Cause.PermissionDenied,       // ERROR_ACCESS_DENIED
                _ => Cause.Other,
            };
        }
        bool apple = OperatingSystem.IsMacOS() || OperatingSystem.IsIOS() || OperatingSystem.IsMacCatalyst() || OperatingSystem.IsFreeBSD();
        return code switch
        {
            11 when !apple => Cause.LockHeld,     // EAGAIN = EWOULDBLOCK (Linux): flock refused, someone holds it
            35 when apple => Cause.LockHeld,      // EAGAIN on macOS and the BSDs
            28 => Cause.NoSpace,                   // ENOSPC
            122 when !apple => Cause.NoSpace,      // EDQUOT (Linux): out of quota reads the same to an operator
            69 when apple => Cause.NoSpace,        // EDQUOT (macOS)
            30 => Cause.ReadOnly,                  // EROFS
            13 or 1 => Cause.PermissionDenied,     // EACCES, EPERM
            _ => Cause.Other,
        };
    }

    /// <summary>The reason in a few words, for "cannot … PATH: reason".</summary>
    public static string Describe(Exception error) => Classify(error) switch
    {
        Cause.NoSpace => "no space left on device",
        Cause.ReadOnly => "read-only file system",
        Cause.PermissionDenied => "permission denied",
        Cause.LockHeld => "locked by another process",
        _ => error.Message,
    };

    /// <summary>What the operator can do about it, or an empty string.</summary>
    public static string Remedy(Exception error) => Classify(error) switch
    {
        Cause.NoSpace => " Free space on that file system (or raise the quota), then open the engine again.",
        Cause.ReadOnly => " The file system is mounted read-only (by an operator, or by the OS after disk errors): remount it read-write or use another directory.",
        Cause.PermissionDenied => " This process's user may not write there: give it write access to the directory.",
        _ => "",
    };
}

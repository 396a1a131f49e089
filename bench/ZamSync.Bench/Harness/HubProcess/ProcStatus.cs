using System.Globalization;

namespace ZamSync.Bench.Harness.HubProcess;

/// <summary>
/// A process's resident-memory figures from <c>/proc/PID/status</c> (Linux only): <c>VmRSS</c> now and
/// <c>VmHWM</c>, the peak since the process started or since its peak was last reset.
/// </summary>
internal static class ProcStatus
{
    /// <summary>A <c>kB</c> field of <c>/proc/PID/status</c>, or null where there is no such file or field.</summary>
    public static long? ReadKiB(int pid, string field)
    {
        string path = $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status";
        if (!File.Exists(path)) return null;
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                if (!line.StartsWith(field + ":", StringComparison.Ordinal)) continue;
                var parts = line[(field.Length + 1)..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[0], CultureInfo.InvariantCulture);
            }
        }
        catch (IOException) { }
        return null;
    }

    /// <summary>
    /// Resets this process's <c>VmHWM</c> to its current RSS (writing 5 to <c>/proc/self/clear_refs</c>), so a
    /// later peak covers one phase only, not the process's start-up. False where the kernel does not allow it.
    /// </summary>
    public static bool ResetOwnPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}

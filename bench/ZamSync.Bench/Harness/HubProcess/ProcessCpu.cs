using System.Globalization;

namespace ZamSync.Bench.Harness.HubProcess;

/// <summary>
/// CPU time of other processes from <c>/proc/PID/stat</c> (Linux only), for billing the PostgreSQL server's share of
/// a run: its backends come and go with connections, so the benchmark sums every process of that name before and after.
/// </summary>
internal static class ProcessCpu
{
    // USER_HZ: the unit of utime and stime in /proc/PID/stat; 100 on every Linux this runs on.
    private const double TicksPerSecond = 100;

    /// <summary>User plus system CPU seconds of every live process whose <c>comm</c> is <paramref name="name"/>.</summary>
    public static double SecondsOf(string name)
    {
        double total = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out _)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                // "pid (comm) state ..." — comm may hold spaces, so split after the closing parenthesis.
                int open = stat.IndexOf('('), close = stat.LastIndexOf(')');
                if (open < 0 || close < open || stat[(open + 1)..close] != name) continue;
                var fields = stat[(close + 2)..].Split(' ');
                // After comm: state is field 3, utime field 14 and stime field 15 (1-based, as in proc(5)).
                total += (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // The process ended while we looked.
            }
        }
        return total;
    }
}

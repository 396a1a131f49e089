using System.Diagnostics;
using System.Globalization;
using ZamSync.Bench.Benchmarks;
using ZamSync.Bench.Harness;
using ZamSync.Bench.Harness.HubProcess;

namespace ZamSync.Bench;

internal static class Program
{
    private const string Usage =
        "usage: ZamSync.Bench [--quick] [--json PATH] [--filter NAME[,NAME...]] [--dir SCRATCH] [--list]\n" +
        "  --quick   smaller sizes and fewer repetitions (under two minutes)\n" +
        "  --json    also write the results as a JSON array of {name, value, unit, baseline, ratio}\n" +
        "  --filter  run only the named benchmarks (an exact name, else names containing the string)\n" +
        "  --dir     scratch directory on the disk to measure (default: the system temp directory)\n" +
        "  --list    list the benchmarks and exit";

    private static IBenchmark[] All() =>
    [
        new RawFsyncBenchmark(),
        new DurableSubmitBenchmark(),
        new SqliteSubmitBenchmark(),
        new InMemorySyncBenchmark(),
        new InterleavedSyncBenchmark(),
        new OpenTimeBenchmark(),
        new FindMissingBenchmark(),
        new TcpSyncBenchmark(),
        new HubFanInBenchmark(),
        new PostgresHubBenchmark(),
        new TlsOverheadBenchmark(),
        new HttpApiBenchmark(),
        new WebSocketSyncBenchmark(),
        new CodecBenchmark(),
        new GeneratorCostBenchmark(),
    ];

    public static async Task<int> Main(string[] args)
    {
        // Hidden: the hub-fan-in benchmark starts this executable again as its hub process.
        if (args.Length > 0 && args[0] == HubChild.Flag) return await HubChild.RunAsync(args[1..]).ConfigureAwait(false);
        // Hidden: the open benchmark measures an open engine's heap in a fresh process.
        if (args.Length > 0 && args[0] == OpenChild.Flag) return await OpenChild.RunAsync(args[1..]).ConfigureAwait(false);

        bool quick = false, list = false;
        string? jsonPath = null, scratchRoot = null;
        var filters = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string? Value() => i + 1 < args.Length ? args[++i] : null;
            switch (args[i])
            {
                case "--quick": quick = true; break;
                case "--list": list = true; break;
                case "--json": jsonPath = Value() ?? Fail("--json needs a path"); break;
                case "--filter": filters.AddRange((Value() ?? Fail("--filter needs a name")).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)); break;
                case "--dir": scratchRoot = Value() ?? Fail("--dir needs a path"); break;
                case "-h" or "--help": Console.WriteLine(Usage); return 0;
                default: Console.Error.WriteLine($"unknown argument '{args[i]}'\n{Usage}"); return 2;
            }
        }

        var benchmarks = Select(All(), filters);
        if (list)
        {
            foreach (var b in All()) Console.WriteLine($"{b.Name,-16} {b.Description}");
            return 0;
        }
        if (benchmarks.Length == 0)
        {
            Console.Error.WriteLine($"no benchmark matches '{string.Join(",", filters)}'; --list shows them");
            return 2;
        }

        string workRoot = Path.Combine(Path.GetFullPath(scratchRoot ?? Path.GetTempPath()), "zamsync-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(workRoot);
        var context = new BenchContext(quick, workRoot, Console.Out);
        Console.WriteLine($"ZamSync benchmarks ({(quick ? "quick" : "full")} mode), .NET {Environment.Version}, {Environment.ProcessorCount} cores, " +
            $"{(Debugger.IsAttached ? "debugger attached, " : "")}{BuildConfiguration()}, scratch {workRoot}");
        WarnIfNotADisk(workRoot);
        Console.WriteLine($"load average at start: {LoadAverage()} (other processes on this machine skew fsync-bound numbers)");

        var results = new List<BenchResult>();
        int failures = 0;
        long total = Stopwatch.GetTimestamp();
        try
        {
            foreach (var benchmark in benchmarks)
            {
                Console.WriteLine($"\n== {benchmark.Name}: {benchmark.Description}");
                Settle.Now();
                long start = Stopwatch.GetTimestamp();
                try
                {
                    results.AddRange(await benchmark.RunAsync(context).ConfigureAwait(false));
                }
                catch (Exception ex)
                {
                    failures++;
                    Console.Error.WriteLine($"   {benchmark.Name} FAILED: {ex}");
                }
                Console.WriteLine($"   ({Stopwatch.GetElapsedTime(start).TotalSeconds.ToString("N1", CultureInfo.InvariantCulture)} s)");
            }
        }
        finally
        {
            try { Directory.Delete(workRoot, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }

        Console.WriteLine();
        Console.Write(Report.Table(results));
        Console.WriteLine($"\ntotal wall time {Stopwatch.GetElapsedTime(total).TotalSeconds.ToString("N1", CultureInfo.InvariantCulture)} s" +
            (failures > 0 ? $", {failures} benchmark(s) FAILED" : "") + $"; load average at end: {LoadAverage()}");
        if (jsonPath is not null)
        {
            Report.WriteJson(jsonPath, results);
            Console.WriteLine($"wrote {Path.GetFullPath(jsonPath)}");
        }
        return failures == 0 ? 0 : 1;
    }

    /// <summary>A filter term that is a benchmark's exact name selects that one; otherwise it matches names containing it.</summary>
    private static IBenchmark[] Select(IBenchmark[] all, List<string> filters)
    {
        if (filters.Count == 0) return all;
        bool Matches(IBenchmark b, string f) =>
            all.Any(x => x.Name.Equals(f, StringComparison.OrdinalIgnoreCase))
                ? b.Name.Equals(f, StringComparison.OrdinalIgnoreCase)
                : b.Name.Contains(f, StringComparison.OrdinalIgnoreCase);
        return all.Where(b => filters.Any(f => Matches(b, f))).ToArray();
    }

    private static string Fail(string message) => throw new ArgumentException(message);

    private static string BuildConfiguration() =>
#if DEBUG
        "DEBUG build (numbers are not meaningful)";
#else
        "Release build";
#endif

    private static string LoadAverage()
    {
        if (!File.Exists("/proc/loadavg")) return "n/a";
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "n/a"; }
    }

    /// <summary>fsync on tmpfs costs nothing; say so rather than report fantasy numbers.</summary>
    private static void WarnIfNotADisk(string path)
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/proc/mounts")) return;
        var mount = File.ReadAllLines("/proc/mounts")
            .Select(l => l.Split(' '))
            .Where(f => f.Length > 2 && path.StartsWith(f[1], StringComparison.Ordinal))
            .MaxBy(f => f[1].Length);
        if (mount is not null && mount[2] is "tmpfs" or "ramfs")
            Console.WriteLine($"WARNING: {path} is on {mount[2]}: fsync is free there, durable numbers are not meaningful. Use --dir.");
    }
}

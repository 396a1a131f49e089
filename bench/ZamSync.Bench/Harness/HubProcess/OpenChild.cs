using System.Diagnostics;
using System.Globalization;

namespace ZamSync.Bench.Harness.HubProcess;

/// <summary>
/// A hidden mode that opens one closed log in a fresh process and reports the managed heap the open engine
/// holds. In the benchmark's own process the heap already holds whatever earlier engines left (a closed engine
/// was seen still reachable after its dispose), so a delta there says nothing about the index.
/// </summary>
internal static class OpenChild
{
    public const string Flag = "--open-child";

    public static async Task<int> RunAsync(string[] args)
    {
        string directory = args[0];
        var node = new NodeId(ulong.Parse(args[1], CultureInfo.InvariantCulture));
        long before = GC.GetTotalMemory(forceFullCollection: true);
        var engine = await ZamEngine<CounterState>.OpenAsync(directory, node, new CounterState()).ConfigureAwait(false);
        await using (engine.ConfigureAwait(false))
        {
            long after = GC.GetTotalMemory(forceFullCollection: true);
            HubProtocol.Write("opened", ("heap_bytes", (after - before).ToString(CultureInfo.InvariantCulture)),
                ("records", engine.Recovery.Records.ToString(CultureInfo.InvariantCulture)));
        }
        return 0;
    }

    /// <summary>Runs the mode on <paramref name="directory"/>; returns the heap the open engine held, in bytes.</summary>
    public static async Task<(long HeapBytes, long Records)> MeasureAsync(string directory, NodeId node)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(start.FileName).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            start.ArgumentList.Add(typeof(OpenChild).Assembly.Location);
        foreach (var a in new[] { Flag, directory, node.Value.ToString(CultureInfo.InvariantCulture) }) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        string output = await process.StandardOutput.ReadToEndAsync().ConfigureAwait(false);
        await process.WaitForExitAsync().ConfigureAwait(false);
        foreach (var line in output.Split('\n'))
        {
            if (HubProtocol.TryParse(line.TrimEnd('\r'), out var verb, out var fields) && verb == "opened")
                return (long.Parse(fields["heap_bytes"], CultureInfo.InvariantCulture), long.Parse(fields["records"], CultureInfo.InvariantCulture));
        }
        throw new InvalidOperationException($"The open process (exit {process.ExitCode}) printed no result: {output}");
    }
}

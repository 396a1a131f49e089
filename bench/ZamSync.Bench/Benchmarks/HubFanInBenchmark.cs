using System.Diagnostics;
using ZamSync.Bench.Harness;
using ZamSync.Net.Hub;
using ZamSync.Net.Tcp;

namespace ZamSync.Bench.Benchmarks;

/// <summary>
/// 64 clinics, each holding N 100-byte events, sync into one hub over loopback TCP at once: wall time from
/// the first connect to the last acknowledgement, and the hub process's peak working set (everything here
/// runs in one process, so the peak includes the clinics: an upper bound for the hub).
/// </summary>
internal sealed class HubFanInBenchmark : IBenchmark
{
    public string Name => "hub-fan-in";

    public string Description => "64 concurrent clinics x 1,000 (full) / 200 (quick) events into one hub over loopback TCP";

    public async Task<IReadOnlyList<BenchResult>> RunAsync(BenchContext context)
    {
        const int clinics = 64;
        int events = context.Quick ? 200 : 1_000;
        using var scratch = context.NewDirectory("hub-fan-in");
        var hubId = new NodeId(0xAB);
        var hubEngine = await ZamEngine<CounterState>.OpenAsync(Path.Combine(scratch.Path, "hub"), hubId, new CounterState()).ConfigureAwait(false);
        await using (hubEngine.ConfigureAwait(false))
        {
            var nodes = await Task.WhenAll(Enumerable.Range(1, clinics).Select(i =>
                ZamEngine<CounterState>.OpenAsync(Path.Combine(scratch.Path, $"clinic-{i}"), new NodeId((ulong)i), new CounterState()))).ConfigureAwait(false);
            try
            {
                await Task.WhenAll(nodes.Select(n => Load.SubmitDistinctAsync(n, 8, events))).ConfigureAwait(false);
                Settle.Now();
                // Every clinic connects from 127.0.0.1 at once (one address, as behind a NAT): raise the per-address
                // bound on handshakes in progress to the burst, or past half the handshake bound some are refused.
                var hub = new ZamHub(hubEngine, new ZamHubOptions
                {
                    Listen = "127.0.0.1:0", MaxConcurrentSessions = clinics,
                    Transport = new TcpTransportOptions { MaxPendingConnectionsPerAddress = clinics },
                });
                await using (hub.ConfigureAwait(false))
                {
                    await hub.StartAsync().ConfigureAwait(false);
                    string address = hub.LocalEndPoint.ToString();
                    using var process = Process.GetCurrentProcess();
                    process.Refresh();
                    long before = process.PeakWorkingSet64;
                    long start = Stopwatch.GetTimestamp();
                    await Task.WhenAll(nodes.Select(async n =>
                    {
                        var link = await TcpTransport.ConnectAsync(hubId, address).ConfigureAwait(false);
                        await using (link.ConfigureAwait(false))
                            await n.CreateSession(link).SyncAsync(hubId).ConfigureAwait(false);
                    })).ConfigureAwait(false);
                    var wall = Stopwatch.GetElapsedTime(start);
                    process.Refresh();
                    long held = hubEngine.Read(s => s.Count);
                    if (held != (long)clinics * events) throw new InvalidOperationException($"The hub holds {held} of {clinics * events} events.");
                    context.Info($"wall {wall.TotalMilliseconds:N0} ms; peak working set {process.PeakWorkingSet64 / 1048576.0:N0} MiB (before the sync {before / 1048576.0:N0} MiB)");
                    return
                    [
                        new BenchResult($"hub fan-in 64 clinics x {events} events: wall time", wall.TotalMilliseconds, "ms"),
                        new BenchResult($"hub fan-in 64 clinics x {events} events: events/s into the hub", clinics * events / wall.TotalSeconds, "events/s"),
                        new BenchResult($"hub fan-in 64 clinics x {events} events: process peak working set", process.PeakWorkingSet64 / 1048576.0, "MiB"),
                    ];
                }
            }
            finally
            {
                foreach (var n in nodes) await n.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using ZamSync.Bench.Harness;
using ZamSync.Bench.Harness.HubProcess;
using ZamSync.Net.Tcp;

namespace ZamSync.Bench.Benchmarks;

/// <summary>
/// 16 / 64 / 256 clinics, each holding 1,000 100-byte events, sync into one hub over loopback TCP at once. The
/// hub runs in its own process (this executable in its hidden hub mode), so its CPU time and peak memory are its
/// own: the clinics run here and would otherwise be billed to it. Beside it, in the same run and into the same
/// process, the raw-copy baseline: as many loopback connections at once, each sending the bytes its clinic sent.
/// </summary>
/// <remarks>
/// Clinics send only their own events and receive none (the hub runs <c>AccessPolicy.OwnOnly</c>), so every run
/// moves the same bytes and the baseline copies exactly them. Before the measured burst a few warm-up clinics
/// sync, so the hub process runs jitted code, as a long-running hub does. The folding hub always runs; the relay
/// hub (no state) runs once this build's engine has a relay open method (<see cref="RelayOpener"/>).
/// </remarks>
internal sealed class HubFanInBenchmark : IBenchmark
{
    private const int WarmupClinics = 4, WarmupEvents = 250;
    private const ulong ClinicNodes = 0x1_0000, WarmupNodes = 0x2_0000;
    private static readonly NodeId HubNode = new(0xB0B0_0000);

    public string Name => "hub-fan-in";

    public string Description => "16/64/256 clinics x 1,000 events into one hub process over loopback TCP (folding hub; relay hub when the engine has one) vs a raw copy of the same bytes";

    public async Task<IReadOnlyList<BenchResult>> RunAsync(BenchContext context)
    {
        int[] sizes = [16, 64, 256];
        const int events = 1_000;
        int repetitions = context.Quick ? 1 : 3;
        var kinds = new List<HubKind> { HubKind.Folding };
        if (RelayOpener.Find() is not null) kinds.Add(HubKind.Relay);
        context.Info("relay hub: " + RelayOpener.Describe());

        var clinics = await context.Clinics.GetAsync(ClinicNodes, sizes.Max(), events).ConfigureAwait(false);
        var warmup = await context.Clinics.GetAsync(WarmupNodes, WarmupClinics, WarmupEvents).ConfigureAwait(false);
        var results = new List<BenchResult>();
        foreach (var kind in kinds)
        {
            foreach (int size in sizes)
            {
                var runs = new List<FanInRun>();
                for (int i = 0; i < repetitions; i++)
                {
                    Settle.Now();
                    runs.Add(await RunOnceAsync(context, kind, clinics.Take(size).ToArray(), warmup).ConfigureAwait(false));
                }
                results.AddRange(Rows(context, kind, size, events, runs));
            }
        }
        return results;
    }

    private static IEnumerable<BenchResult> Rows(BenchContext context, HubKind kind, int clinics, int events, List<FanInRun> runs)
    {
        double Median(Func<FanInRun, double> value) => new Samples(runs.Select(value).ToList()).Median;
        var rate = new Samples(runs.Select(r => r.EventsPerSecond).ToList());
        var raw = new Samples(runs.Select(r => r.RawEventsPerSecond).ToList());
        context.Info($"{kind} hub, {clinics} clinics: events/s {rate.Describe("N0")}; raw copy {raw.Describe("N0")}; " +
            $"clinic-side cores {Median(r => r.ClinicCores):N2}; hub RSS before the burst {Median(r => r.HubIdleMiB):N0} MiB");
        string label = string.Create(CultureInfo.InvariantCulture, $"hub fan-in, {kind.ToString().ToLowerInvariant()} hub process, {clinics} clinics x {events:N0} events");
        string? rateTarget = kind == HubKind.Relay && clinics == 64 ? ">= 250,000 events/s" : null;
        yield return new BenchResult($"{label}: events/s", rate.Median, "events/s", raw.Median, rateTarget);
        yield return new BenchResult($"{label}: applies per event", Median(r => r.AppliesPerEvent), "applies/event",
            Target: kind == HubKind.Folding ? "<= 1.05" : "0 (no state)");
        yield return new BenchResult($"{label}: hub cores used", Median(r => r.HubCores), "cores", Target: "of 2");
        yield return new BenchResult($"{label}: hub events per fsync", Median(r => r.EventsPerFsync), "events/fsync");
        yield return new BenchResult($"{label}: hub peak RSS", Median(r => r.HubPeakMiB), "MiB");
        yield return new BenchResult($"{label}: hub memory per concurrent clinic", Median(r => r.MiBPerClinic), "MiB/clinic", Target: "<= 0.25");
    }

    private static async Task<FanInRun> RunOnceAsync(BenchContext context, HubKind kind, IReadOnlyList<LogFixture> fixtures, IReadOnlyList<LogFixture> warmupFixtures)
    {
        using var scratch = context.NewDirectory("hub-fan-in");
        var nodes = await ClinicFixtures.OpenCopiesAsync(fixtures, scratch.Path).ConfigureAwait(false);
        var warmNodes = await ClinicFixtures.OpenCopiesAsync(warmupFixtures, scratch.Path).ConfigureAwait(false);
        try
        {
            var hub = await HubProcessHandle.StartAsync(kind, Path.Combine(scratch.Path, "hub"), HubNode, fixtures.Count, context.Log).ConfigureAwait(false);
            await using (hub.ConfigureAwait(false))
            {
                string address = hub.Hub.ToString();
                await SyncAllAsync(warmNodes, address).ConfigureAwait(false);
                await RawSink.SendAsync(hub.Sink, warmNodes.Select(_ => 64 * 1024L).ToArray()).ConfigureAwait(false);
                Settle.Now();

                var go = await hub.CommandAsync("go").ConfigureAwait(false);
                if (HubProcessHandle.Number(go, "peak_reset") != 1) context.Info("could not reset the hub process's VmHWM: its peak includes start-up");
                var clinicCpu = Environment.CpuUsage.TotalTime;
                long start = Stopwatch.GetTimestamp();
                var sent = await SyncAllAsync(nodes, address).ConfigureAwait(false);
                var wall = Stopwatch.GetElapsedTime(start);
                clinicCpu = Environment.CpuUsage.TotalTime - clinicCpu;
                var report = await hub.CommandAsync("report").ConfigureAwait(false);

                long events = fixtures.Sum(f => f.Events);
                long expected = events + warmupFixtures.Sum(f => f.Events);
                long held = HubProcessHandle.Number(report, "held"), folded = HubProcessHandle.Number(report, "folded");
                if (held != expected || (kind == HubKind.Folding && folded != expected))
                    throw new InvalidOperationException($"The hub holds {held} and folded {folded} of {expected} events.");

                // The baseline: the same bytes, over as many connections at once, into the same process.
                var rawWall = await RawSink.SendAsync(hub.Sink, sent).ConfigureAwait(false);

                context.Info(string.Create(CultureInfo.InvariantCulture,
                    $"{kind} hub, {fixtures.Count} clinics: after the burst the GC had {HubProcessHandle.Number(report, "gc_committed_kib") / 1024.0:N1} MiB committed ({HubProcessHandle.Number(report, "gc_heap_kib") / 1024.0:N1} MiB heap, {HubProcessHandle.Number(report, "live_kib") / 1024.0:N1} MiB still referenced), the process {HubProcessHandle.Number(report, "threads")} threads"));
                double hubCpuSeconds = HubProcessHandle.Number(report, "cpu_us") / 1e6;
                double idleMiB = HubProcessHandle.Number(go, "rss_kib") / 1024.0, peakMiB = HubProcessHandle.Number(report, "hwm_kib") / 1024.0;
                return new FanInRun(
                    EventsPerSecond: events / wall.TotalSeconds,
                    RawEventsPerSecond: events / rawWall.TotalSeconds,
                    AppliesPerEvent: (double)HubProcessHandle.Number(report, "applied") / events,
                    HubCores: hubCpuSeconds / wall.TotalSeconds,
                    ClinicCores: clinicCpu.TotalSeconds / wall.TotalSeconds,
                    EventsPerFsync: (double)events / Math.Max(1, HubProcessHandle.Number(report, "fsyncs")),
                    HubPeakMiB: peakMiB,
                    HubIdleMiB: idleMiB,
                    MiBPerClinic: (peakMiB - idleMiB) / fixtures.Count);
            }
        }
        finally
        {
            foreach (var n in nodes.Concat(warmNodes)) await n.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Every node connects and syncs at once; returns the bytes each one sent.</summary>
    private static async Task<long[]> SyncAllAsync(IReadOnlyList<ZamEngine> nodes, string address) =>
        await Task.WhenAll(nodes.Select(async n =>
        {
            var link = await TcpTransport.ConnectAsync(HubNode, address).ConfigureAwait(false);
            await using (link.ConfigureAwait(false))
            {
                var stats = await n.CreateSession(link).SyncAsync(HubNode).ConfigureAwait(false);
                return stats.BytesSent;
            }
        })).ConfigureAwait(false);

    private sealed record FanInRun(
        double EventsPerSecond, double RawEventsPerSecond, double AppliesPerEvent, double HubCores, double ClinicCores,
        double EventsPerFsync, double HubPeakMiB, double HubIdleMiB, double MiBPerClinic);
}

using System.Diagnostics;
using ZamSync.Bench.Harness;
using ZamSync.Testing;

namespace ZamSync.Bench.Benchmarks;

/// <summary>
/// Sync when the events a node receives sort before events it has already applied: two nodes that both
/// worked (concurrently) sync both ways, and a fresh node pulls a log holding two origins whose events
/// interleave in HLC order. The baseline is the same fresh pull of the same number of events of a single
/// origin. Besides events/s it reports the state refolds and how many times each received event was
/// applied (1.0 when nothing is refolded).
/// </summary>
internal sealed class InterleavedSyncBenchmark : IBenchmark
{
    private static readonly NodeId NodeA = new(0xA1), NodeB = new(0xB2), Receiver = new(0xC3);

    public string Name => "sync-interleaved";

    public string Description => "In-memory sync with two interleaved origins (both ways; fresh receiver vs single-origin baseline)";

    public async Task<IReadOnlyList<BenchResult>> RunAsync(BenchContext context)
    {
        int perOrigin = context.Quick ? 5_000 : 20_000;
        int total = 2 * perOrigin;
        int repetitions = context.Quick ? 3 : 5;
        var payload = Load.Payload();
        using var scratch = context.NewDirectory("sync-interleaved");
        string a0 = Path.Combine(scratch.Path, "a0"), b0 = Path.Combine(scratch.Path, "b0");
        string hub = Path.Combine(scratch.Path, "hub"), single = Path.Combine(scratch.Path, "single");

        // Two nodes working at the same time: their events interleave in (hlc, origin, seq) order.
        {
            var a = await ZamEngine<CounterState>.OpenAsync(a0, NodeA, new CounterState()).ConfigureAwait(false);
            var b = await ZamEngine<CounterState>.OpenAsync(b0, NodeB, new CounterState()).ConfigureAwait(false);
            await Task.WhenAll(Load.SubmitCountAsync(a, 32, perOrigin, payload), Load.SubmitCountAsync(b, 32, perOrigin, payload)).ConfigureAwait(false);
            await a.DisposeAsync().ConfigureAwait(false);
            await b.DisposeAsync().ConfigureAwait(false);
        }
        // The single-origin control holds as many events as the hub.
        {
            var s = await ZamEngine<CounterState>.OpenAsync(single, NodeA, new CounterState()).ConfigureAwait(false);
            await Load.SubmitCountAsync(s, 64, total, payload).ConfigureAwait(false);
            await s.DisposeAsync().ConfigureAwait(false);
        }

        // 1. Both ways: A initiates, B serves; each receives the other's events.
        long bothRefolds = 0, bothApplies = 0;
        var bothWays = await Measure.RepeatAsync(1, repetitions, async run =>
        {
            using var da = context.NewDirectory("a");
            using var db = context.NewDirectory("b");
            Directories.CopyClosedEngine(a0, da.Path);
            Directories.CopyClosedEngine(b0, db.Path);
            var a = await ZamEngine<CounterState>.OpenAsync(da.Path, NodeA, new CounterState()).ConfigureAwait(false);
            var b = await ZamEngine<CounterState>.OpenAsync(db.Path, NodeB, new CounterState()).ConfigureAwait(false);
            await using (a.ConfigureAwait(false))
            await using (b.ConfigureAwait(false))
            {
                using var refolds = InstrumentCounter.Refolds(a, b);
                using var applies = new InstrumentCounter(a.Metrics.EventsApplied, b.Metrics.EventsApplied);
                Settle.Now();
                double seconds = await SyncAsync(a, b).ConfigureAwait(false);
                foreach (var e in new[] { a, b })
                    if (e.Read(s => s.Count) != total || e.Known[NodeA] != (ulong)perOrigin || e.Known[NodeB] != (ulong)perOrigin)
                        throw new InvalidOperationException($"{e.NodeId} holds {e.Known} and applied {e.Read(s => s.Count)}; expected {perOrigin} of each.");
                if (run >= 0)
                {
                    bothRefolds += refolds.Count;
                    bothApplies += applies.Count;
                }
                if (run == -1)
                {
                    await a.DisposeAsync().ConfigureAwait(false);
                    Directories.CopyClosedEngine(da.Path, hub); // A now holds both origins: the hub for step 2.
                }
                return total / seconds;
            }
        }).ConfigureAwait(false);
        context.Info($"both ways, events/s: {bothWays.Describe("N0")}; refolds/session {(double)bothRefolds / repetitions:N1}; applies per received event {(double)bothApplies / (repetitions * (double)total):N2}");

        // 2. A fresh receiver pulls the hub (two interleaved origins), and the single-origin control.
        async Task<(Samples Rate, double Refolds, double AppliesPerEvent)> FreshPullAsync(string template)
        {
            long refoldSum = 0, applySum = 0;
            var rate = await Measure.RepeatAsync(1, repetitions, async run =>
            {
                using var ds = context.NewDirectory("source");
                using var dr = context.NewDirectory("receiver");
                Directories.CopyClosedEngine(template, ds.Path);
                var source = await ZamEngine<CounterState>.OpenAsync(ds.Path, NodeA, new CounterState()).ConfigureAwait(false);
                var receiver = await ZamEngine<CounterState>.OpenAsync(dr.Path, Receiver, new CounterState()).ConfigureAwait(false);
                await using (source.ConfigureAwait(false))
                await using (receiver.ConfigureAwait(false))
                {
                    using var refolds = InstrumentCounter.Refolds(receiver);
                    using var applies = new InstrumentCounter(receiver.Metrics.EventsApplied);
                    Settle.Now();
                    double seconds = await SyncAsync(receiver, source).ConfigureAwait(false);
                    if (receiver.Read(s => s.Count) != total || !receiver.Known.Equals(source.Known))
                        throw new InvalidOperationException($"The receiver holds {receiver.Known} and applied {receiver.Read(s => s.Count)}; expected {source.Known}.");
                    if (run >= 0)
                    {
                        refoldSum += refolds.Count;
                        applySum += applies.Count;
                    }
                    return total / seconds;
                }
            }).ConfigureAwait(false);
            return (rate, (double)refoldSum / repetitions, (double)applySum / (repetitions * (double)total));
        }

        var twoOrigins = await FreshPullAsync(hub).ConfigureAwait(false);
        context.Info($"fresh receiver, 2 origins, events/s: {twoOrigins.Rate.Describe("N0")}; refolds/session {twoOrigins.Refolds:N1}; applies per received event {twoOrigins.AppliesPerEvent:N2}");
        var oneOrigin = await FreshPullAsync(single).ConfigureAwait(false);
        context.Info($"fresh receiver, 1 origin (baseline), events/s: {oneOrigin.Rate.Describe("N0")}; refolds/session {oneOrigin.Refolds:N1}; applies per received event {oneOrigin.AppliesPerEvent:N2}");

        string size = OpenTimeBenchmark.SizeLabel(total);
        return
        [
            new BenchResult($"sync {size} events, 2 interleaved origins, both ways", bothWays.Median, "events/s"),
            new BenchResult("refolds per session, 2 interleaved origins, both ways", (double)bothRefolds / repetitions, "refolds"),
            new BenchResult("applies per received event, 2 interleaved origins, both ways", (double)bothApplies / (repetitions * (double)total), "applies/event", Target: "1.0 (no refold)"),
            new BenchResult($"sync {size} events to fresh receiver, 2 interleaved origins", twoOrigins.Rate.Median, "events/s", oneOrigin.Rate.Median),
            new BenchResult("refolds per session, fresh receiver, 2 interleaved origins", twoOrigins.Refolds, "refolds"),
            new BenchResult("applies per received event, fresh receiver, 2 interleaved origins", twoOrigins.AppliesPerEvent, "applies/event", oneOrigin.AppliesPerEvent, "1.0 (no refold)"),
        ];
    }

    /// <summary>One session, <paramref name="initiator"/> to <paramref name="responder"/>; returns its seconds.</summary>
    private static async Task<double> SyncAsync(ZamEngine initiator, ZamEngine responder)
    {
        var (x, y) = InMemoryTransport.CreatePair();
        await using (x.ConfigureAwait(false))
        await using (y.ConfigureAwait(false))
        {
            long start = Stopwatch.GetTimestamp();
            var serving = responder.CreateSession(y).ServeOneAsync(initiator.NodeId);
            await initiator.CreateSession(x).SyncAsync(responder.NodeId).ConfigureAwait(false);
            await serving.ConfigureAwait(false);
            return Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
    }
}

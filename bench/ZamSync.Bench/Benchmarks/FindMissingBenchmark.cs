using System.Diagnostics;
using ZamSync.Bench.Harness;

namespace ZamSync.Bench.Benchmarks;

/// <summary>
/// What serving a peer that lacks only the newest 100 events of a 1M-event log costs before any byte is
/// sent: <c>engine.Known</c>, <c>FindGaps</c> against the peer's vector, and reading those 100 events from
/// the log with <c>engine.ReadEvents(origin, from)</c> (the payload bytes are touched).
/// </summary>
internal sealed class FindMissingBenchmark : IBenchmark
{
    private const int Missing = 100;

    public string Name => "find-missing";

    public string Description => $"Known + FindGaps + ReadEvents of the {Missing} events a peer lacks in a 1M-event log";

    public async Task<IReadOnlyList<BenchResult>> RunAsync(BenchContext context)
    {
        long events = context.Quick ? OpenTimeBenchmark.QuickEvents : OpenTimeBenchmark.FullEvents;
        int warmups = context.Quick ? 50 : 200, repetitions = context.Quick ? 300 : 2000;
        var fixture = await context.Fixtures.GetAsync(events).ConfigureAwait(false);
        Settle.Now();
        var engine = await ZamEngine<CounterState>.OpenAsync(fixture.Directory, fixture.Node, new CounterState()).ConfigureAwait(false);
        await using (engine.ConfigureAwait(false))
        {
            var origin = engine.NodeId;
            var peer = new VersionVector();
            peer.Advance(origin, engine.Known[origin] - Missing);

            var samples = Measure.Repeat(warmups, repetitions, () =>
            {
                long start = Stopwatch.GetTimestamp();
                var ours = engine.Known;
                var lacks = peer.FindGaps(ours); // for each origin we know further: the first sequence the peer lacks
                int found = 0;
                long bytes = 0;
                foreach (var (gapOrigin, from) in lacks)
                {
                    ulong upTo = ours[gapOrigin];
                    foreach (var e in engine.ReadEvents(gapOrigin, from))
                    {
                        if (e.Sequence > upTo) break;
                        found++;
                        bytes += e.Payload.Span[^1] + e.Payload.Length;
                    }
                }
                double ms = Measure.Milliseconds(start);
                if (found != Missing || bytes < Missing * Load.PayloadBytes)
                    throw new InvalidOperationException($"Found {found} missing events, expected {Missing}.");
                return ms;
            });
            context.Info("ms: " + samples.Describe("N3") + $", p99 {samples.Percentile(99):N3}");
            return
            [
                new BenchResult($"find + read {Missing} missing events in {OpenTimeBenchmark.SizeLabel(events)}-event log", samples.Median, "ms", Target: "<= 5 ms"),
            ];
        }
    }
}

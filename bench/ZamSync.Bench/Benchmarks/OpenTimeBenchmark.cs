using System.Diagnostics;
using ZamSync.Bench.Harness;
using ZamSync.Diagnostics;
using ZamSync.Storage;
using ZamSync.Wal;

namespace ZamSync.Bench.Benchmarks;

/// <summary>
/// Time to open a cleanly closed log of 1M 100-byte events: with the state snapshot the clean close wrote,
/// and without it (the whole log is replayed into the state). Also the WAL scan alone, to attribute the time.
/// Page cache warm (the log was just written or read); a cold open adds the disk read of the file.
/// </summary>
internal sealed class OpenTimeBenchmark : IBenchmark
{
    public const long QuickEvents = 1_000_000, FullEvents = 1_000_000;

    public string Name => "open";

    public string Description => "Open time of a 1M-event log: with state snapshot, full replay, WAL scan only";

    public async Task<IReadOnlyList<BenchResult>> RunAsync(BenchContext context)
    {
        long events = context.Quick ? QuickEvents : FullEvents;
        int repetitions = context.Quick ? 5 : 7;
        var fixture = await context.Fixtures.GetAsync(events).ConfigureAwait(false);
        Settle.Now();
        string size = SizeLabel(events);
        string snapshotPath = Path.Combine(fixture.Directory, StateSnapshotFile.FileName);

        async Task<double> OpenOnce(bool withSnapshot)
        {
            if (!withSnapshot) File.Delete(snapshotPath);
            else if (!File.Exists(snapshotPath)) throw new InvalidOperationException("The snapshot is missing.");
            var state = new CounterState();
            Settle.Now();
            long start = Stopwatch.GetTimestamp();
            var engine = await ZamEngine<CounterState>.OpenAsync(fixture.Directory, fixture.Node, state).ConfigureAwait(false);
            double ms = Measure.Milliseconds(start);
            await using (engine.ConfigureAwait(false))
            {
                long count = engine.Read(s => s.Count);
                if (count != events || engine.Recovery.Records != events)
                    throw new InvalidOperationException($"Opened with {count} events folded and {engine.Recovery.Records} records, expected {events}.");
            }
            // Dispose closed cleanly and wrote the snapshot again.
            return ms;
        }

        var withSnapshot = await Measure.RepeatAsync(1, repetitions, _ => OpenOnce(true)).ConfigureAwait(false);
        context.Info("with snapshot, ms: " + withSnapshot.Describe("N1"));
        var replay = await Measure.RepeatAsync(1, repetitions, _ => OpenOnce(false)).ConfigureAwait(false);
        context.Info("full replay, ms: " + replay.Describe("N1"));

        // The scan that both opens start with: read and checksum every record, build the index.
        var scan = await Measure.RepeatAsync(1, repetitions, async _ =>
        {
            using var metrics = new ZamMetrics();
            Settle.Now();
            long start = Stopwatch.GetTimestamp();
            var (store, report, _) = WalEventStore.Open(fixture.Directory, fixture.Node, new WalOptions(), metrics, (_, _) => { });
            double ms = Measure.Milliseconds(start);
            await store.DisposeAsync().ConfigureAwait(false);
            if (report.Records != events) throw new InvalidOperationException($"Scanned {report.Records} records, expected {events}.");
            return ms;
        }).ConfigureAwait(false);
        context.Info("WAL scan + index only, ms: " + scan.Describe("N1"));

        return
        [
            new BenchResult($"open {size}-event log (state snapshot)", withSnapshot.Median, "ms", Target: "<= 1000 ms"),
            new BenchResult($"open {size}-event log (full replay, no snapshot)", replay.Median, "ms", Target: "<= 1000 ms"),
            new BenchResult($"open {size}-event log: WAL scan + index only", scan.Median, "ms"),
        ];
    }

    public static string SizeLabel(long events) => events switch
    {
        >= 1_000_000 when events % 1_000_000 == 0 => $"{events / 1_000_000}M",
        >= 1_000 when events % 1_000 == 0 => $"{events / 1_000}k",
        _ => events.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

using System.Diagnostics;
using ZamSync.Bench.Harness;
using ZamSync.Bench.Harness.HubProcess;
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

    /// <summary>The peer asking after opening lacks this many of the newest events.</summary>
    private const int AnswerRows = 100;

    public string Name => "open";

    public string Description => "Open time of a 1M-event log: with state snapshot (and until it answers a peer, vs SQLite; heap per event), full replay, WAL scan only";

    public async Task<IReadOnlyList<BenchResult>> RunAsync(BenchContext context)
    {
        long events = context.Quick ? QuickEvents : FullEvents;
        int repetitions = context.Quick ? 5 : 7;
        var fixture = await context.Fixtures.GetAsync(events).ConfigureAwait(false);
        Settle.Now();
        string size = SizeLabel(events);
        string snapshotPath = Path.Combine(fixture.Directory, StateSnapshotFile.FileName);

        // Opening returns when the engine can serve; "ready to answer a peer" also includes the first answer:
        // what a peer lacking the newest events is sent (Known, FindGaps, ReadEvents of those events).
        async Task<(double OpenMs, double ReadyMs)> OpenOnce(bool withSnapshot)
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
                int answered = AnswerPeer(engine, fixture.Node, (ulong)events - AnswerRows);
                double ready = Measure.Milliseconds(start);
                long count = engine.Read(s => s.Count);
                if (count != events || engine.Recovery.Records != events || answered != AnswerRows)
                    throw new InvalidOperationException($"Opened with {count} events folded and {engine.Recovery.Records} records, answered {answered}; expected {events} and {AnswerRows}.");
                return (ms, ready);
            }
            // Dispose closed cleanly and wrote the snapshot again.
        }

        var readyRuns = new List<double>();
        var withSnapshot = await Measure.RepeatAsync(1, repetitions, async run =>
        {
            var (open, ready) = await OpenOnce(true).ConfigureAwait(false);
            if (run >= 0) readyRuns.Add(ready);
            return open;
        }).ConfigureAwait(false);
        var readySamples = new Samples(readyRuns);
        context.Info("with snapshot, ms: " + withSnapshot.Describe("N1"));
        context.Info($"with snapshot, open + first answer ({AnswerRows} events), ms: " + readySamples.Describe("N1"));
        // Index memory: the managed heap an open engine holds, measured in a fresh process (see OpenChild).
        var (heapBytes, heapRecords) = await OpenChild.MeasureAsync(fixture.Directory, fixture.Node).ConfigureAwait(false);
        if (heapRecords != events) throw new InvalidOperationException($"The open process saw {heapRecords} records, expected {events}.");
        context.Info($"managed heap held by the open engine (fresh process): {heapBytes / 1048576.0:N1} MiB");

        // The SQLite peer: a database of the same rows, opened afresh and asked the same question once.
        string database = Path.Combine(context.WorkRoot, "sqlite-" + size + ".db");
        if (!File.Exists(database))
        {
            long build = Stopwatch.GetTimestamp();
            using (var peer = SqlitePeer.Open(database)) peer.Fill((long)fixture.Node.Value, events, Load.Payload());
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            context.Info($"SQLite fixture: {events:N0} rows in {Stopwatch.GetElapsedTime(build).TotalSeconds:N1} s");
        }
        var sqlite = Measure.Repeat(1, repetitions, () =>
        {
            Settle.Now();
            long start = Stopwatch.GetTimestamp();
            int rows = SqlitePeer.OpenAndAnswer(database, (long)fixture.Node.Value, events - AnswerRows);
            double ms = Measure.Milliseconds(start);
            if (rows != AnswerRows) throw new InvalidOperationException($"SQLite answered {rows} rows, expected {AnswerRows}.");
            return ms;
        });
        context.Info($"SQLite open + first answer, ms: " + sqlite.Describe("N2"));

        var replay = await Measure.RepeatAsync(1, repetitions, async _ => (await OpenOnce(false).ConfigureAwait(false)).OpenMs).ConfigureAwait(false);
        context.Info("full replay, ms: " + replay.Describe("N1"));

        // The scan that both opens start with: read and checksum every record, build the index.
        var scan = await Measure.RepeatAsync(1, repetitions, async _ =>
        {
            using var metrics = new ZamMetrics();
            Settle.Now();
            long start = Stopwatch.GetTimestamp();
            var store = WalEventStore.Open(fixture.Directory, fixture.Node, new WalOptions(), metrics, _ => { });
            double ms = Measure.Milliseconds(start);
            var report = store.Recovery;
            await store.DisposeAsync().ConfigureAwait(false);
            if (report.Records != events) throw new InvalidOperationException($"Scanned {report.Records} records, expected {events}.");
            return ms;
        }).ConfigureAwait(false);
        context.Info("WAL scan + index only, ms: " + scan.Describe("N1"));

        return
        [
            new BenchResult($"open {size}-event log (state snapshot)", withSnapshot.Median, "ms", Target: "<= 1000 ms"),
            new BenchResult($"open {size}-event log until it answers 'origin O after n' (vs SQLite open + same query)", readySamples.Median, "ms", sqlite.Median, "<= 10 ms"),
            new BenchResult($"open {size}-event log: managed heap per event", (double)heapBytes / events, "B/event", Target: "<= 24 B"),
            new BenchResult($"open {size}-event log (full replay, no snapshot)", replay.Median, "ms", Target: "<= 1000 ms"),
            new BenchResult($"open {size}-event log: WAL scan + index only", scan.Median, "ms"),
        ];
    }

    /// <summary>Serves a peer that holds <paramref name="origin"/> up to <paramref name="peerHolds"/>: returns the events it is sent.</summary>
    private static int AnswerPeer(ZamEngine engine, NodeId origin, ulong peerHolds)
    {
        var peer = new VersionVector();
        peer.Advance(origin, peerHolds);
        var ours = engine.Known;
        int found = 0;
        long touched = 0;
        foreach (var (gapOrigin, from) in peer.FindGaps(ours))
        {
            foreach (var e in engine.ReadEvents(gapOrigin, from))
            {
                if (e.Sequence > ours[gapOrigin]) break;
                found++;
                touched += e.Payload.Span[^1] + e.Payload.Length;
            }
        }
        return touched > 0 ? found : 0;
    }

    public static string SizeLabel(long events) => events switch
    {
        >= 1_000_000 when events % 1_000_000 == 0 => $"{events / 1_000_000}M",
        >= 1_000 when events % 1_000 == 0 => $"{events / 1_000}k",
        _ => events.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

using System.Diagnostics;
using ZamSync.Bench.Harness;

namespace ZamSync.Bench.Benchmarks;

/// <summary>
/// One submitter, every event durable before the next: <c>await engine.SubmitAsync(1, payload)</c> in a loop
/// beside SQLite in WAL mode with <c>synchronous=FULL</c> inserting the same rows one transaction per event, on
/// the same disk in the same run. Runs alternate (in turn engine first and SQLite first) so both see the same
/// disk: on a shared VM the fsync rate drifts within seconds.
/// </summary>
internal sealed class SqliteSubmitBenchmark : IBenchmark
{
    public string Name => "submit-vs-sqlite";

    public string Description => "Durable submit, 1 submitter, vs SQLite WAL synchronous=FULL with one transaction per event";

    public async Task<IReadOnlyList<BenchResult>> RunAsync(BenchContext context)
    {
        var duration = TimeSpan.FromMilliseconds(context.Quick ? 500 : 1000);
        int repetitions = context.Quick ? 6 : 10;
        var payload = Load.Payload();
        using var scratch = context.NewDirectory("submit-vs-sqlite");
        var engine = await ZamEngine<CounterState>.OpenAsync(scratch.File("engine"), new NodeId(9), new CounterState()).ConfigureAwait(false);
        await using (engine.ConfigureAwait(false))
        {
            using var sqlite = SqlitePeer.Open(scratch.File("events.db"));
            long nextSeq = 1;
            double SqliteRun()
            {
                long start = Stopwatch.GetTimestamp();
                long deadline = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
                long done = 0;
                while (Stopwatch.GetTimestamp() < deadline)
                {
                    sqlite.Insert(9, nextSeq++, payload);
                    done++;
                }
                return done / Stopwatch.GetElapsedTime(start).TotalSeconds;
            }
            async Task<double> EngineRun()
            {
                var (done, elapsed) = await Load.SubmitForAsync(engine, 1, duration, payload).ConfigureAwait(false);
                return done / elapsed.TotalSeconds;
            }

            await EngineRun().ConfigureAwait(false);
            SqliteRun();
            var engineRuns = new List<double>();
            var sqliteRuns = new List<double>();
            for (int run = 0; run < repetitions; run++)
            {
                if (run % 2 == 1) sqliteRuns.Add(SqliteRun());
                engineRuns.Add(await EngineRun().ConfigureAwait(false));
                if (run % 2 == 0) sqliteRuns.Add(SqliteRun());
            }
            var engineSamples = new Samples(engineRuns);
            var sqliteSamples = new Samples(sqliteRuns);
            // Ratio per adjacent pair too: it shows how much of the spread is the disk, not either side.
            var pairRatios = new Samples(engineRuns.Zip(sqliteRuns, (e, s) => e / s).ToList());
            context.Info("engine events/s: " + engineSamples.Describe("N0"));
            context.Info("SQLite events/s: " + sqliteSamples.Describe("N0"));
            context.Info("engine / SQLite per pair: " + pairRatios.Describe("N2"));
            return
            [
                new BenchResult("durable submit, 1 submitter (vs SQLite WAL synchronous=FULL, 1 transaction per event)", engineSamples.Median, "events/s", sqliteSamples.Median, ">= 100% of SQLite"),
            ];
        }
    }
}

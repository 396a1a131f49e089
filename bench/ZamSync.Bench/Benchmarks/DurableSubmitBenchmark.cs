using System.Diagnostics;
using System.Globalization;
using Microsoft.Win32.SafeHandles;
using ZamSync.Bench.Harness;
using ZamSync.Wal;

namespace ZamSync.Bench.Benchmarks;

/// <summary>
/// Durable submit throughput at 1, 16, 64 (and 256) concurrent submitters, each looping
/// <c>await engine.SubmitAsync(1, payload100bytes)</c>, on a fresh directory per concurrency.
/// </summary>
/// <remarks>
/// The baseline appends the same record bytes (the WAL's own encoder, 156 bytes per 100-byte event) to a
/// plain file with one write and one fsync per batch, the batch being the engine's average batch at that
/// concurrency (events / <c>zamsync.wal.fsync_batches</c>): what group commit could reach with zero engine
/// overhead. Engine and baseline repetitions alternate (in turn engine first and baseline first), each
/// baseline run using the batch size of the latest engine run, so both see the same disk: on a shared VM the fsync rate drifts by 10x
/// within a minute, and measuring all engine runs before all baseline runs would compare different disks.
/// </remarks>
internal sealed class DurableSubmitBenchmark : IBenchmark
{
    // 256 is beyond the brief's three levels: it shows where fsync stops dominating.
    private readonly int[] _concurrencies = [1, 16, 64, 256];

    public string Name => "durable-submit";

    public string Description => "Durable submit throughput (1/16/64/256 submitters) vs raw appends with one fsync per engine-sized batch";

    public async Task<IReadOnlyList<BenchResult>> RunAsync(BenchContext context)
    {
        // Many short alternating runs rather than a few long ones: disk stalls on a shared machine come and go
        // within seconds, and short pairs make it likely that both sides of a pair see the same disk.
        var duration = TimeSpan.FromMilliseconds(context.Quick ? 400 : 1000);
        var warmup = TimeSpan.FromMilliseconds(context.Quick ? 400 : 1000);
        int repetitions = context.Quick ? 8 : 12;
        var payload = Load.Payload();
        var results = new List<BenchResult>();

        foreach (int submitters in _concurrencies)
        {
            Settle.Now();
            using var scratch = context.NewDirectory($"submit-{submitters}");
            string label = submitters == 1 ? "1 submitter" : $"{submitters} submitters";
            var engineRuns = new List<double>();
            var baselineRuns = new List<double>();
            var batchPerRun = new List<int>();
            long events = 0, fsyncs = 0;
            var cpu = TimeSpan.Zero;
            var baselineCpu = TimeSpan.Zero;
            long baselineEvents = 0;

            var engine = await ZamEngine<CounterState>.OpenAsync(Path.Combine(scratch.Path, "engine"), new NodeId(7), new CounterState()).ConfigureAwait(false);
            await using (engine.ConfigureAwait(false))
            {
                using var counter = InstrumentCounter.Fsyncs(engine);
                using var raw = File.OpenHandle(scratch.File("raw.bin"), FileMode.CreateNew, FileAccess.ReadWrite);
                var baseline = new RawAppender(raw, payload);

                // Warm-up: both paths, the baseline at the warm-up's batch size.
                long warmupFsyncs = counter.Count;
                var (warmupEvents, _) = await Load.SubmitForAsync(engine, submitters, warmup, payload).ConfigureAwait(false);
                int batch = BatchSize(warmupEvents, counter.Count - warmupFsyncs);
                baseline.Run(batch, warmup);

                void BaselineRun()
                {
                    batchPerRun.Add(batch);
                    var cpuBefore = Environment.CpuUsage.TotalTime;
                    var (appended, rate) = baseline.Run(batch, duration);
                    baselineCpu += Environment.CpuUsage.TotalTime - cpuBefore;
                    baselineEvents += appended;
                    baselineRuns.Add(rate);
                }

                for (int run = 0; run < repetitions; run++)
                {
                    // Alternate which side goes first, so neither always inherits the other's aftermath.
                    if (run % 2 == 1) BaselineRun();
                    long before = counter.Count;
                    var cpuBefore = Environment.CpuUsage.TotalTime;
                    var (done, elapsed) = await Load.SubmitForAsync(engine, submitters, duration, payload).ConfigureAwait(false);
                    cpu += Environment.CpuUsage.TotalTime - cpuBefore;
                    long batches = counter.Count - before;
                    events += done;
                    fsyncs += batches;
                    engineRuns.Add(done / elapsed.TotalSeconds);
                    batch = BatchSize(done, batches); // the next baseline run uses this run's batch size
                    if (run % 2 == 0) BaselineRun();
                }

                long applied = engine.Read(s => s.Count);
                if ((ulong)applied != engine.Known[engine.NodeId])
                    throw new InvalidOperationException($"State counted {applied} events but the log holds {engine.Known[engine.NodeId]}.");
            }

            var engineSamples = new Samples(engineRuns);
            var baselineSamples = new Samples(baselineRuns);
            double eventsPerFsync = (double)events / Math.Max(1, fsyncs);
            context.Info($"{label}: engine events/s {engineSamples.Describe("N0")}");
            context.Info($"{label}: baseline events/s {baselineSamples.Describe("N0")}, batches of " +
                string.Join("/", batchPerRun) + $" x {WalRecord.EncodedLength(payload.Length, null)} B records per fsync");
            results.Add(new BenchResult($"durable submit, {label}", engineSamples.Median, "events/s", baselineSamples.Median,
                submitters == 64 ? ">= 200,000 events/s and >= 50% of baseline" : null));
            results.Add(new BenchResult($"events per fsync, {label}", eventsPerFsync, "events/fsync"));
            // Process CPU (user + kernel, every thread) per durable event, fsync's kernel time included; the
            // baseline's CPU per appended event beside it, so the difference is what the engine adds.
            results.Add(new BenchResult($"CPU per durable event, {label}", cpu.TotalMicroseconds / Math.Max(1, events), "us/event",
                baselineCpu.TotalMicroseconds / Math.Max(1, baselineEvents)));
        }
        return results;
    }

    private static int BatchSize(long events, long fsyncs) => Math.Max(1, (int)Math.Round((double)events / Math.Max(1, fsyncs)));

    /// <summary>The baseline: pre-encoded WAL records appended to a plain file, one write + one fsync per batch.</summary>
    private sealed class RawAppender(SafeFileHandle file, byte[] payload)
    {
        private readonly Dictionary<int, byte[]> _batches = new();
        private long _offset;

        /// <summary>Appends batches of <paramref name="batch"/> records for <paramref name="duration"/>; returns the events and events/s.</summary>
        public (long Events, double PerSecond) Run(int batch, TimeSpan duration)
        {
            if (!_batches.TryGetValue(batch, out var bytes)) _batches[batch] = bytes = EncodeRecords(batch, payload);
            long start = Stopwatch.GetTimestamp();
            long deadline = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
            long written = 0;
            while (Stopwatch.GetTimestamp() < deadline)
            {
                RandomAccess.Write(file, bytes, _offset);
                RandomAccess.FlushToDisk(file);
                _offset += bytes.Length;
                written += batch;
            }
            return (written, written / Stopwatch.GetElapsedTime(start).TotalSeconds);
        }

        /// <summary>The bytes the WAL writes for <paramref name="count"/> consecutive events (its own encoder, no cipher).</summary>
        private static byte[] EncodeRecords(int count, byte[] payload)
        {
            int size = WalRecord.EncodedLength(payload.Length, cipher: null);
            var bytes = new byte[size * count];
            var origin = new NodeId(7);
            long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            for (int i = 0; i < count; i++)
            {
                var envelope = new EventEnvelope(origin, (ulong)i + 1, new Hlc(now, (uint)i), 1, payload);
                WalRecord.Write(bytes.AsSpan(i * size, size), WalRecordKind.Event, WalRecordFlags.None, 1, envelope, payload, cipher: null);
            }
            return bytes;
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using ZamSync.Bench.Harness;

namespace ZamSync.Bench.Benchmarks;

/// <summary>
/// Context for the durable numbers: how many "append a few bytes, then fsync" round trips this machine does
/// per second. Nothing that waits for its own fsync can beat this rate per writer.
/// </summary>
internal sealed class RawFsyncBenchmark : IBenchmark
{
    private const int AppendBytes = 64;

    public string Name => "raw-fsync";

    public string Description => $"Raw fsync rate: append {AppendBytes} bytes + RandomAccess.FlushToDisk, one writer";

    public async Task<IReadOnlyList<BenchResult>> RunAsync(BenchContext context)
    {
        var duration = TimeSpan.FromSeconds(context.Quick ? 1 : 2);
        int repetitions = context.Quick ? 3 : 5;
        using var scratch = context.NewDirectory("raw-fsync");
        using var file = File.OpenHandle(scratch.File("raw.bin"), FileMode.CreateNew, FileAccess.ReadWrite);
        var record = new byte[AppendBytes];
        long offset = 0;

        double Sample(TimeSpan length)
        {
            long start = Stopwatch.GetTimestamp();
            long deadline = start + (long)(length.TotalSeconds * Stopwatch.Frequency);
            long fsyncs = 0;
            while (Stopwatch.GetTimestamp() < deadline)
            {
                RandomAccess.Write(file, record, offset);
                RandomAccess.FlushToDisk(file);
                offset += record.Length;
                fsyncs++;
            }
            return fsyncs / Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        Sample(TimeSpan.FromMilliseconds(300));
        var samples = Measure.Repeat(0, repetitions, () => Sample(duration));
        context.Info("fsyncs/s: " + samples.Describe("N0"));
        await Task.CompletedTask.ConfigureAwait(false);
        return [new BenchResult(string.Create(CultureInfo.InvariantCulture, $"raw fsync rate ({AppendBytes} B append + fsync)"), samples.Median, "fsyncs/s")];
    }
}

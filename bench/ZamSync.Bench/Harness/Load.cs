using System.Diagnostics;

namespace ZamSync.Bench.Harness;

/// <summary>Concurrent submitters, each looping <c>await engine.SubmitAsync(1, payload)</c>.</summary>
internal static class Load
{
    public const int PayloadBytes = 100;

    /// <summary>A fixed 100-byte payload (random bytes from a fixed seed, so runs are comparable).</summary>
    public static byte[] Payload(int size = PayloadBytes)
    {
        var bytes = new byte[size];
        new Random(20240601).NextBytes(bytes);
        return bytes;
    }

    /// <summary>
    /// Runs <paramref name="submitters"/> loops until <paramref name="duration"/> has passed (each finishes
    /// the submit it is in). Returns the durable events and the time until the last one returned.
    /// </summary>
    public static async Task<(long Events, TimeSpan Elapsed)> SubmitForAsync(ZamEngine engine, int submitters, TimeSpan duration, ReadOnlyMemory<byte> payload)
    {
        long start = Stopwatch.GetTimestamp();
        long deadline = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var loops = new Task<long>[submitters];
        for (int i = 0; i < submitters; i++)
        {
            loops[i] = Task.Run(async () =>
            {
                long done = 0;
                while (Stopwatch.GetTimestamp() < deadline)
                {
                    await engine.SubmitAsync(1, payload).ConfigureAwait(false);
                    done++;
                }
                return done;
            });
        }
        long[] counts = await Task.WhenAll(loops).ConfigureAwait(false);
        return (counts.Sum(), Stopwatch.GetElapsedTime(start));
    }

    /// <summary>Submits exactly <paramref name="total"/> events from <paramref name="submitters"/> loops.</summary>
    public static async Task<TimeSpan> SubmitCountAsync(ZamEngine engine, int submitters, long total, ReadOnlyMemory<byte> payload)
    {
        long start = Stopwatch.GetTimestamp();
        long remaining = total;
        var loops = new Task[submitters];
        for (int i = 0; i < submitters; i++)
        {
            loops[i] = Task.Run(async () =>
            {
                while (Interlocked.Decrement(ref remaining) >= 0)
                    await engine.SubmitAsync(1, payload).ConfigureAwait(false);
            });
        }
        await Task.WhenAll(loops).ConfigureAwait(false);
        return Stopwatch.GetElapsedTime(start);
    }

    /// <summary>
    /// Submits exactly <paramref name="total"/> events whose payloads are all different random bytes: nothing
    /// for zstd to find, so wire sizes are the honest worst case rather than a compressor's best case.
    /// </summary>
    public static async Task<TimeSpan> SubmitDistinctAsync(ZamEngine engine, int submitters, long total, int size = PayloadBytes)
    {
        long start = Stopwatch.GetTimestamp();
        long remaining = total;
        var loops = new Task[submitters];
        for (int i = 0; i < submitters; i++)
        {
            int seed = i;
            loops[i] = Task.Run(async () =>
            {
                var random = new Random(seed);
                var payload = new byte[size];
                while (Interlocked.Decrement(ref remaining) >= 0)
                {
                    random.NextBytes(payload);
                    await engine.SubmitAsync(1, payload).ConfigureAwait(false);
                }
            });
        }
        await Task.WhenAll(loops).ConfigureAwait(false);
        return Stopwatch.GetElapsedTime(start);
    }
}

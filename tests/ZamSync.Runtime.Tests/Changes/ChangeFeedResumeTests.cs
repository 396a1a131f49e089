using System.Globalization;
using Xunit.Abstractions;
using ZamSync.Tests.Support;

namespace ZamSync.Tests.Changes;

/// <summary>
/// A reader that keeps a version vector of what it has seen resumes from it after stopping at any point and after
/// its node restarts: every event exactly once, each origin in sequence order. Three origins reach the reader's node,
/// one of them only through another node (replicated ingest through real sessions); the reader stops at random
/// points, sometimes while events arrive, with buffers small enough to fall behind. Set ZAMSYNC_FEED_SEED to replay.
/// </summary>
public class ChangeFeedResumeTests(ITestOutputHelper output)
{
    private static readonly NodeId X = new(1), Y = new(2), Z = new(3);
    private static readonly int[] Capacities = [1, 3, 64, 1024];
    private const int Rounds = 10;

    [Fact]
    public async Task A_reader_resumes_from_its_vector_across_restarts_with_no_gaps_or_duplicates()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("ZAMSYNC_FEED_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var fixedSeed)
            ? fixedSeed : Environment.TickCount;
        output.WriteLine($"seed {seed}");
        try
        {
            await RunAsync(new Random(seed));
        }
        catch (Exception ex)
        {
            throw new Xunit.Sdk.XunitException($"seed {seed} (replay with ZAMSYNC_FEED_SEED={seed}): {ex}");
        }
    }

    private async Task RunAsync(Random random)
    {
        using var temp = new TempDirectory("feed-resume");
        string dirX = temp.Sub("x");
        var x = await Nodes.OpenAsync(dirX, X.Value);
        await using var y = await Nodes.OpenAsync(temp.Sub("y"), Y.Value);
        await using var z = await Nodes.OpenAsync(temp.Sub("z"), Z.Value);
        var cursor = new VersionVector();
        var seen = new List<ChangeFeedEvent>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            for (int round = 1; round <= Rounds; round++)
            {
                // Z's events reach X only through Y. Settle Y and Z first, so what X will hold after the round is known.
                await Nodes.SubmitManyAsync(z, random.Next(0, 40), $"z{round}");
                await Nodes.SyncAsync(z, y);
                await Nodes.SubmitManyAsync(y, random.Next(0, 40), $"y{round}");
                int ownEvents = random.Next(0, 60);
                var after = x.Known;
                after.Merge(y.Known);
                long heldAfter = after.Origins.Sum(o => (long)after[o]) + ownEvents;
                int cut = random.Next(0, (int)(heldAfter - seen.Count) + 1);
                var options = new ChangeFeedOptions { Capacity = Capacities[random.Next(Capacities.Length)] };
                output.WriteLine($"round {round}: reader takes {cut} of {heldAfter - seen.Count} with capacity {options.Capacity}");

                // The reader runs while X submits and syncs: some events come from the log, some live.
                var reading = Task.Run(() => TakeAsync(x, cursor.Clone(), cut, options, timeout.Token));
                await Task.WhenAll(
                    Task.Run(() => Nodes.SubmitManyAsync(x, ownEvents, $"x{round}")),
                    Task.Run(() => Nodes.SyncAsync(x, y)));
                foreach (var change in await reading)
                {
                    seen.Add(change);
                    cursor.Advance(change.Envelope.Origin, change.Envelope.Sequence);
                }
                AssertPrefixes(seen, $"round {round}: ");

                if (random.Next(2) == 0)
                {
                    output.WriteLine($"round {round}: restart at {cursor}");
                    await x.DisposeAsync();
                    x = await Nodes.OpenAsync(dirX, X.Value);
                }
            }

            var known = x.Known;
            long rest = known.Origins.Sum(o => (long)known[o]) - seen.Count;
            seen.AddRange(await TakeAsync(x, cursor, (int)rest, new ChangeFeedOptions(), timeout.Token));
            Assert.Equal(3, known.Count);
            ChangeFeedTests.AssertEachOriginContiguous(seen, known);
            // What the reader saw is what the node holds, byte for byte.
            foreach (var origin in known.Origins)
            {
                Assert.Equal(x.ReadEvents(origin).Select(e => Convert.ToHexString(e.Payload.Span)),
                    seen.Where(c => c.Envelope.Origin == origin).Select(c => Convert.ToHexString(c.Envelope.Payload.Span)));
            }
        }
        finally
        {
            await x.DisposeAsync();
        }
    }

    private static async Task<List<ChangeFeedEvent>> TakeAsync(ZamEngine engine, VersionVector from, int count, ChangeFeedOptions options, CancellationToken cancellationToken)
    {
        var taken = new List<ChangeFeedEvent>(count);
        if (count == 0) return taken;
        await foreach (var change in engine.Changes(from, options, cancellationToken))
        {
            taken.Add(change);
            if (taken.Count == count) break;
        }
        return taken;
    }

    /// <summary>So far, every origin's events are 1..n in order, each once.</summary>
    private static void AssertPrefixes(List<ChangeFeedEvent> seen, string context)
    {
        foreach (var group in seen.GroupBy(c => c.Envelope.Origin))
        {
            ulong expected = 1;
            foreach (var change in group)
            {
                Assert.True(change.Envelope.Sequence == expected, $"{context}origin {group.Key} gave #{change.Envelope.Sequence} where #{expected} was due");
                expected++;
            }
        }
    }
}

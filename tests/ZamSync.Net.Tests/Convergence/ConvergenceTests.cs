using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace ZamSync.Net.Tests.Convergence;

/// <summary>
/// The central promise, checked on random worlds: nodes that hold the same events hold the same state, whatever
/// cuts, budgets, reopens, power cuts, compaction and clocks each had. <c>ZAMSYNC_FUZZ_SEEDS=N</c> runs N worlds
/// (default <see cref="DefaultSeeds"/>); <c>ZAMSYNC_FUZZ_SEED=S</c> replays world S alone.
/// </summary>
public sealed class ConvergenceTests(ITestOutputHelper output)
{
    private const int DefaultSeeds = 300;
    private const int FirstSeed = 1;
    private const int MaxFailures = 5;

    [Fact]
    public async Task Random_worlds_hold_the_models_events_and_state()
    {
        var seeds = SeedsToRun();
        var clock = Stopwatch.StartNew();
        var features = new Dictionary<string, int>();
        var failures = new List<string>();
        foreach (int seed in seeds)
        {
            await using var world = new World(seed);
            try
            {
                await world.RunAsync();
            }
            catch (Exception ex)
            {
                // Keep going: one run that names every failing seed says more than the first alone.
                failures.Add(
                    $"World {seed} ({string.Join(", ", world.Features)}) failed: {ex.GetType().Name}: {ex.Message}\n" +
                    $"  replay: ZAMSYNC_FUZZ_SEED={seed} dotnet test tests/ZamSync.Net.Tests --filter FullyQualifiedName~Convergence\n{ex.StackTrace}");
                output.WriteLine(failures[^1]);
                if (failures.Count == MaxFailures) break;
            }
            foreach (var f in world.Features) features[f] = features.GetValueOrDefault(f) + 1;
        }
        if (failures.Count > 0) Assert.Fail($"{failures.Count} of the worlds failed:\n" + string.Join("\n", failures));
        output.WriteLine($"{seeds.Count} worlds in {clock.Elapsed.TotalSeconds:F1} s; worlds with each feature: " +
            string.Join(", ", features.OrderBy(f => f.Key).Select(f => $"{f.Key} {f.Value}")));
        // A generator that stopped producing a fault would pass vacuously: every fault must occur somewhere.
        if (seeds.Count >= 50)
            foreach (var needed in new[] { "cut", "budget", "compaction", "power cut", "reopen", "clock jump", "drift beyond bound", "concurrent sessions", "concurrent submitter", "cipher Aes256Gcm", "cipher ChaCha20Poly1305" })
                Assert.True(features.ContainsKey(needed), $"No world exercised '{needed}'.");
    }

    private static IReadOnlyList<int> SeedsToRun()
    {
        if (Environment.GetEnvironmentVariable("ZAMSYNC_FUZZ_SEED") is { Length: > 0 } one)
            return [int.Parse(one, NumberStyles.Integer, CultureInfo.InvariantCulture)];
        int count = Environment.GetEnvironmentVariable("ZAMSYNC_FUZZ_SEEDS") is { Length: > 0 } n
            ? int.Parse(n, NumberStyles.Integer, CultureInfo.InvariantCulture)
            : DefaultSeeds;
        return Enumerable.Range(FirstSeed, count).ToList();
    }
}

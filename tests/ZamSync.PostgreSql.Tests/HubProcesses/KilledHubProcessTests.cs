using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace ZamSync.PostgreSql.Tests.HubProcesses;

/// <summary>
/// Three hub processes on one PostgreSQL schema, 64 clinics syncing with them round-robin through cuts at random bytes
/// and byte budgets, one process killed with SIGKILL mid-session and started again under its name: the database and
/// every clinic hold every event exactly once, sequences contiguous, and every clinic's state is the model's fold
/// (<see cref="HubFleet"/>). The run is chosen by a seed: <c>ZAMSYNC_PGHUB_SEED=S</c> runs seed S instead of the default.
/// </summary>
public sealed class KilledHubProcessTests(ITestOutputHelper output)
{
    public const string SeedVariable = "ZAMSYNC_PGHUB_SEED";
    private const int DefaultSeed = 1;

    [Fact]
    public async Task Three_hub_processes_with_one_killed_mid_session_leave_every_event_once_in_the_database_and_every_clinic()
    {
        int seed = Environment.GetEnvironmentVariable(SeedVariable) is { Length: > 0 } set
            ? int.Parse(set, NumberStyles.Integer, CultureInfo.InvariantCulture)
            : DefaultSeed;
        var clock = Stopwatch.StartNew();
        await using var fleet = new HubFleet(seed, line => output.WriteLine($"[{clock.Elapsed.TotalSeconds,6:F1} s] {line}"));
        try
        {
            await fleet.RunAsync();
        }
        catch (Exception ex)
        {
            throw new Xunit.Sdk.XunitException(
                $"Seed {seed} failed: {ex.GetType().Name}: {ex.Message}\n" +
                $"  replay: {SeedVariable}={seed} dotnet test tests/ZamSync.PostgreSql.Tests --filter FullyQualifiedName~KilledHubProcess\n" +
                $"{ex.StackTrace}\n{fleet.HubErrors()}");
        }
        output.WriteLine($"seed {seed}: passed in {clock.Elapsed.TotalSeconds:F1} s");
    }
}

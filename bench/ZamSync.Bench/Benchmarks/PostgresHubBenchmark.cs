using System.Diagnostics;
using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using ZamSync.Bench.Harness;
using ZamSync.Bench.Harness.HubProcess;
using ZamSync.Net.Tcp;

namespace ZamSync.Bench.Benchmarks;

/// <summary>
/// 64 clinics x 1,000 events into 1 and into 3 relay hub processes that share one PostgreSQL schema (clinic i syncs
/// to hub process i mod n, all at once), beside a PostgreSQL <c>COPY</c> of the same rows into a table of the same shape
/// in the same run: the fastest way the database takes those rows, so the ratio is what the hub costs over it.
/// </summary>
/// <remarks>
/// Needs <c>ZAMSYNC_POSTGRES</c> (<c>.ci/postgres</c> prints one); without it the benchmark says so and reports
/// nothing. Where the time goes is reported as cores used during the burst by the hub processes, the PostgreSQL
/// server's processes (every process named <c>postgres</c>), and the clinics (this process).
/// </remarks>
internal sealed class PostgresHubBenchmark : IBenchmark
{
    private const int Clinics = 64, Events = 1_000, WarmupClinics = 3, WarmupEvents = 250;
    private const ulong ClinicNodes = 0x5_0000, WarmupNodes = 0x6_0000;
    private static readonly NodeId HubNode = new(0xB0B0_5000);

    public string Name => "pg-hub";

    public string Description => "64 clinics x 1,000 events through 1 and 3 hub processes on one PostgreSQL schema vs a COPY of the same rows";

    public async Task<IReadOnlyList<BenchResult>> RunAsync(BenchContext context)
    {
        if (Environment.GetEnvironmentVariable("ZAMSYNC_POSTGRES") is not { Length: > 0 } connectionString)
        {
            context.Info("not run: set ZAMSYNC_POSTGRES to an Npgsql connection string (`export ZAMSYNC_POSTGRES=\"$(.ci/postgres)\"`)");
            return [];
        }
        var fixtures = await context.Clinics.GetAsync(ClinicNodes, Clinics, Events).ConfigureAwait(false);
        var warmup = await context.Clinics.GetAsync(WarmupNodes, WarmupClinics, WarmupEvents).ConfigureAwait(false);
        var results = new List<BenchResult>();
        await using var database = NpgsqlDataSource.Create(connectionString);
        foreach (int hubs in new[] { 1, 3 })
        {
            var run = await RunOnceAsync(context, database, connectionString, hubs, fixtures, warmup).ConfigureAwait(false);
            string label = string.Create(CultureInfo.InvariantCulture, $"PostgreSQL hub, {hubs} hub process{(hubs == 1 ? "" : "es")}, {Clinics} clinics x {Events:N0} events");
            context.Info($"{label}: {run.EventsPerSecond:N0} events/s; COPY {run.CopyEventsPerSecond:N0} events/s; " +
                $"cores during the burst: hubs {run.HubCores:N2}, PostgreSQL {run.PostgresCores:N2}, clinics {run.ClinicCores:N2}; during COPY: PostgreSQL {run.CopyPostgresCores:N2}");
            results.Add(new BenchResult($"{label}: events/s (baseline: COPY of the same rows)", run.EventsPerSecond, "events/s", run.CopyEventsPerSecond));
            results.Add(new BenchResult($"{label}: hub processes' cores", run.HubCores, "cores"));
            results.Add(new BenchResult($"{label}: PostgreSQL server's cores", run.PostgresCores, "cores", run.CopyPostgresCores));
            results.Add(new BenchResult($"{label}: clinics' cores", run.ClinicCores, "cores"));
            results.Add(new BenchResult($"{label}: hub CPU per event", run.HubMicrosPerEvent, "us/event"));
        }
        return results;
    }

    private static async Task<Run> RunOnceAsync(BenchContext context, NpgsqlDataSource database, string connectionString, int hubCount,
        IReadOnlyList<LogFixture> fixtures, IReadOnlyList<LogFixture> warmupFixtures)
    {
        using var scratch = context.NewDirectory("pg-hub");
        string schema = string.Create(CultureInfo.InvariantCulture, $"bench_hub_{hubCount}_{Environment.ProcessId}");
        await ExecuteAsync(database, $"DROP SCHEMA IF EXISTS {schema} CASCADE").ConfigureAwait(false);
        var nodes = await ClinicFixtures.OpenCopiesAsync(fixtures, scratch.Path).ConfigureAwait(false);
        var warmNodes = await ClinicFixtures.OpenCopiesAsync(warmupFixtures, scratch.Path).ConfigureAwait(false);
        var hubs = new List<HubProcessHandle>();
        try
        {
            for (int i = 0; i < hubCount; i++)
                hubs.Add(await HubProcessHandle.StartAsync(HubKind.Postgres, Path.Combine(scratch.Path, $"hub{i}"), HubNode, Clinics, context.Log,
                    "--postgres", connectionString, "--schema", schema).ConfigureAwait(false));
            // Every hub process runs jitted code before the burst.
            foreach (var hub in hubs) await SyncAllAsync(warmNodes, [hub]).ConfigureAwait(false);
            Settle.Now();

            foreach (var hub in hubs) await hub.CommandAsync("go").ConfigureAwait(false);
            double postgresBefore = ProcessCpu.SecondsOf("postgres");
            var clinicCpu = Environment.CpuUsage.TotalTime;
            long start = Stopwatch.GetTimestamp();
            await SyncAllAsync(nodes, hubs).ConfigureAwait(false);
            var wall = Stopwatch.GetElapsedTime(start);
            clinicCpu = Environment.CpuUsage.TotalTime - clinicCpu;
            double postgresCpu = ProcessCpu.SecondsOf("postgres") - postgresBefore;
            double hubCpu = 0;
            foreach (var hub in hubs) hubCpu += HubProcessHandle.Number(await hub.CommandAsync("report").ConfigureAwait(false), "cpu_us") / 1e6;

            long expected = fixtures.Sum(f => (long)f.Events) + warmupFixtures.Sum(f => (long)f.Events);
            long held = await CountAsync(database, $"SELECT count(*) FROM {schema}.events").ConfigureAwait(false);
            if (held != expected) throw new InvalidOperationException($"The database holds {held} of {expected} events.");

            var (copyWall, copyPostgres) = await CopyBaselineAsync(database, schema, nodes).ConfigureAwait(false);
            long events = fixtures.Sum(f => (long)f.Events);
            return new Run(
                EventsPerSecond: events / wall.TotalSeconds,
                CopyEventsPerSecond: events / copyWall.TotalSeconds,
                HubCores: hubCpu / wall.TotalSeconds,
                PostgresCores: postgresCpu / wall.TotalSeconds,
                ClinicCores: clinicCpu.TotalSeconds / wall.TotalSeconds,
                CopyPostgresCores: copyPostgres / copyWall.TotalSeconds,
                HubMicrosPerEvent: hubCpu * 1e6 / events);
        }
        finally
        {
            foreach (var hub in hubs) await hub.DisposeAsync().ConfigureAwait(false);
            foreach (var n in nodes.Concat(warmNodes)) await n.DisposeAsync().ConfigureAwait(false);
            await ExecuteAsync(database, $"DROP SCHEMA IF EXISTS {schema} CASCADE").ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The same rows (read from the clinics beforehand) into an empty table shaped like the hub's, with its primary key
    /// and fold-order index, in one binary COPY and one committed transaction.
    /// </summary>
    private static async Task<(TimeSpan Wall, double PostgresSeconds)> CopyBaselineAsync(NpgsqlDataSource database, string schema, IEnumerable<ZamEngine> clinics)
    {
        var rows = clinics.SelectMany(c => c.Events.Read(c.NodeId, 1)).Select(s => s.Envelope).ToList();
        await ExecuteAsync(database, $"CREATE TABLE {schema}.copy_baseline (LIKE {schema}.events INCLUDING ALL)").ConfigureAwait(false);
        Settle.Now();
        double postgresBefore = ProcessCpu.SecondsOf("postgres");
        long start = Stopwatch.GetTimestamp();
        await using (var connection = await database.OpenConnectionAsync().ConfigureAwait(false))
        {
            await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
            await using (var writer = await connection.BeginBinaryImportAsync(
                $"COPY {schema}.copy_baseline (origin, seq, hlc_physical, hlc_logical, event_type, quarantined, payload) FROM STDIN (FORMAT BINARY)").ConfigureAwait(false))
            {
                foreach (var e in rows)
                {
                    await writer.StartRowAsync().ConfigureAwait(false);
                    // The hub's own mapping of ulong to bigint (top bit flipped) costs the same as this plain cast.
                    await writer.WriteAsync(unchecked((long)(e.Origin.Value ^ 0x8000_0000_0000_0000UL)), NpgsqlDbType.Bigint).ConfigureAwait(false);
                    await writer.WriteAsync(unchecked((long)(e.Sequence ^ 0x8000_0000_0000_0000UL)), NpgsqlDbType.Bigint).ConfigureAwait(false);
                    await writer.WriteAsync(e.Hlc.Physical, NpgsqlDbType.Bigint).ConfigureAwait(false);
                    await writer.WriteAsync((long)e.Hlc.Logical, NpgsqlDbType.Bigint).ConfigureAwait(false);
                    await writer.WriteAsync((long)e.EventType, NpgsqlDbType.Bigint).ConfigureAwait(false);
                    await writer.WriteAsync(false, NpgsqlDbType.Boolean).ConfigureAwait(false);
                    await writer.WriteAsync(e.Payload.ToArray(), NpgsqlDbType.Bytea).ConfigureAwait(false);
                }
                await writer.CompleteAsync().ConfigureAwait(false);
            }
            await transaction.CommitAsync().ConfigureAwait(false);
        }
        var wall = Stopwatch.GetElapsedTime(start);
        return (wall, ProcessCpu.SecondsOf("postgres") - postgresBefore);
    }

    /// <summary>Every clinic connects and syncs at once, clinic i to hub process i mod n.</summary>
    private static Task SyncAllAsync(IReadOnlyList<ZamEngine> clinics, IReadOnlyList<HubProcessHandle> hubs) =>
        Task.WhenAll(clinics.Select(async (clinic, i) =>
        {
            var link = await TcpTransport.ConnectAsync(HubNode, hubs[i % hubs.Count].Hub.ToString()).ConfigureAwait(false);
            await using (link.ConfigureAwait(false))
                await clinic.CreateSession(link).SyncAsync(HubNode).ConfigureAwait(false);
        }));

    private static async Task ExecuteAsync(NpgsqlDataSource database, string sql)
    {
        await using var command = database.CreateCommand(sql);
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private static async Task<long> CountAsync(NpgsqlDataSource database, string sql)
    {
        await using var command = database.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync().ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    private sealed record Run(double EventsPerSecond, double CopyEventsPerSecond, double HubCores, double PostgresCores, double ClinicCores,
        double CopyPostgresCores, double HubMicrosPerEvent);
}

using Npgsql;
using ZamSync.PostgreSql;

namespace ZamSync.PostgreSql.Tests;

/// <summary>
/// A schema of its own for one test, on the server <c>ZAMSYNC_POSTGRES</c> names, dropped (with everything in it) at
/// dispose: tests run in parallel and leave nothing behind. Each <see cref="NewProcess"/> is a separate data source,
/// i.e. its own pool of real connections, standing in for one hub process.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    /// <summary>The environment variable with the Npgsql connection string (set by <c>.ci/run</c>).</summary>
    public const string Variable = "ZAMSYNC_POSTGRES";

    private readonly List<NpgsqlDataSource> _sources = [];

    private TestDatabase(string connectionString)
    {
        ConnectionString = connectionString;
        Options = new PostgresStoreOptions { Schema = "t_" + Guid.NewGuid().ToString("N") };
    }

    public string ConnectionString { get; }

    public PostgresStoreOptions Options { get; }

    /// <summary>
    /// The test database, or a failure that says how to get one. Failing (not skipping) is deliberate: a skipped
    /// PostgreSQL suite reads as green, and these tests are the only evidence that the store works.
    /// </summary>
    public static TestDatabase Create()
    {
        string? connectionString = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new InvalidOperationException(
                $"{Variable} is not set, so the PostgreSQL tests have no server. Run `export {Variable}=\"$(.ci/postgres)\"` " +
                "from the repository root (it installs and starts a local PostgreSQL when needed; root required), " +
                "or set it to an Npgsql connection string for a database where this role may create schemas.");
        return new TestDatabase(connectionString);
    }

    /// <summary>A new pool of connections (a hub process of its own), disposed with the database.</summary>
    public NpgsqlDataSource NewProcess(int maxPoolSize = 8)
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { MaxPoolSize = maxPoolSize };
        var source = NpgsqlDataSource.Create(builder.ConnectionString);
        lock (_sources) _sources.Add(source);
        return source;
    }

    /// <summary>Runs a query in the test's schema and returns its first column's value.</summary>
    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var source = NpgsqlDataSource.Create(ConnectionString);
        await using var command = source.CreateCommand(sql.Replace("{s}", Options.Schema, StringComparison.Ordinal));
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        await using (var source = NpgsqlDataSource.Create(ConnectionString))
        await using (var drop = source.CreateCommand($"DROP SCHEMA IF EXISTS \"{Options.Schema}\" CASCADE"))
            await drop.ExecuteNonQueryAsync();
        foreach (var source in _sources) await source.DisposeAsync();
    }
}

namespace ZamSync.PostgreSql.Tests;

/// <summary>
/// Puts each node of a store suite on PostgreSQL in a schema of its own, keyed by the node's data directory, so a
/// reopened node finds its events again; every schema is dropped at dispose (after the test's nodes are closed).
/// </summary>
public sealed class PostgresNodes : IAsyncDisposable
{
    private readonly Dictionary<string, TestDatabase> _byDirectory = new(StringComparer.Ordinal);

    /// <summary><paramref name="options"/> with the event and peer stores on the schema of <paramref name="directory"/>.</summary>
    public ZamEngineOptions WithStore(string directory, ZamEngineOptions? options)
    {
        TestDatabase db;
        lock (_byDirectory)
        {
            string key = Path.GetFullPath(directory);
            if (!_byDirectory.TryGetValue(key, out db!)) _byDirectory[key] = db = TestDatabase.Create();
        }
        // A pool per open, as a restarted process has: nothing carries over in memory.
        return (options ?? new ZamEngineOptions()).UsePostgres(db.NewProcess(), db.Options);
    }

    /// <summary>Deletes the checkpoint row of <paramref name="directory"/>'s schema.</summary>
    public async Task DropCheckpointAsync(string directory)
    {
        TestDatabase db;
        lock (_byDirectory) db = _byDirectory[Path.GetFullPath(directory)];
        await db.ScalarAsync<long>("WITH gone AS (DELETE FROM {s}.checkpoint RETURNING 1) SELECT count(*) FROM gone");
    }

    public async ValueTask DisposeAsync()
    {
        List<TestDatabase> all;
        lock (_byDirectory) all = [.. _byDirectory.Values];
        foreach (var db in all) await db.DisposeAsync();
    }
}

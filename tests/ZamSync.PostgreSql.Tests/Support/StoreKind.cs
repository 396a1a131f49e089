using Npgsql;

namespace ZamSync.PostgreSql.Tests;

/// <summary>The stores an engine suite runs against.</summary>
public enum StoreKind
{
    /// <summary>The embedded write-ahead log in the data directory (the default).</summary>
    Wal,

    /// <summary>PostgreSQL, in a schema of the test's own (<see cref="TestDatabase"/>).</summary>
    Postgres,
}

/// <summary>
/// Engine options for a <see cref="StoreKind"/>: the hook that runs one engine suite against both stores. A suite
/// takes a <see cref="StoreKind"/> parameter (<see cref="All"/> as its member data) and opens its nodes with
/// <see cref="Options"/>; on PostgreSQL each node gets a schema of its own, unless two engines are meant to be processes of one hub
/// (<see cref="HubProcess"/>).
/// </summary>
public sealed class EngineStores(StoreKind kind) : IAsyncDisposable
{
    private readonly List<TestDatabase> _databases = [];

    public static TheoryData<StoreKind> All => new() { StoreKind.Wal, StoreKind.Postgres };

    public StoreKind Kind { get; } = kind;

    /// <summary>Options for a node with a store of its own.</summary>
    public ZamEngineOptions Options(ZamEngineOptions? options = null)
    {
        options ??= new ZamEngineOptions();
        if (Kind == StoreKind.Wal) return options;
        var db = TestDatabase.Create();
        lock (_databases) _databases.Add(db);
        return options.UsePostgres(db.NewProcess(), db.Options);
    }

    /// <summary>Options for one more process of the hub whose schema <paramref name="db"/> holds (each with its own pool).</summary>
    public static ZamEngineOptions HubProcess(TestDatabase db, ZamEngineOptions? options = null) =>
        (options ?? new ZamEngineOptions()).UsePostgres(db.NewProcess(), db.Options);

    public async ValueTask DisposeAsync()
    {
        foreach (var db in _databases) await db.DisposeAsync();
    }
}

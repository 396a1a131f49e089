using Npgsql;

namespace ZamSync.PostgreSql;

/// <summary>Runs an engine on PostgreSQL: its events and its peer knowledge in one schema that several hub processes share.</summary>
public static class PostgresEngineOptions
{
    /// <summary>
    /// These options with the event store and the peer store on PostgreSQL (<paramref name="dataSource"/>, owned by the
    /// caller, who disposes it after the engine). The engine's data directory still holds its lock, its clock floor and
    /// its quarantine log: give every hub process a directory of its own.
    /// </summary>
    public static ZamEngineOptions UsePostgres(this ZamEngineOptions options, NpgsqlDataSource dataSource, PostgresStoreOptions? store = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dataSource);
        store ??= new PostgresStoreOptions();
        return options with
        {
            EventStore = new PostgresStoreProvider(dataSource, store),
            PeerStore = new PostgresPeerStore(dataSource, store),
        };
    }
}

using Npgsql;

namespace ZamSync.PostgreSql;

/// <summary>
/// Opens an engine's event store on PostgreSQL (<see cref="ZamEngineOptions.EventStore"/>). Every hub process of one
/// hub uses a provider for the same database and schema, and the hub's node id.
/// </summary>
public sealed class PostgresStoreProvider : IEventStoreProvider
{
    private readonly NpgsqlDataSource? _dataSource;
    private readonly string? _connectionString;

    /// <summary>
    /// A provider whose stores each open their own pool from <paramref name="connectionString"/> (an Npgsql
    /// connection string) and close it with the engine.
    /// </summary>
    public PostgresStoreProvider(string connectionString, PostgresStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _connectionString = connectionString;
        Options = options ?? new PostgresStoreOptions();
        Options.ValidSchema();
    }

    /// <summary>A provider whose stores share <paramref name="dataSource"/>, which the caller owns and disposes after the engines.</summary>
    public PostgresStoreProvider(NpgsqlDataSource dataSource, PostgresStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource;
        Options = options ?? new PostgresStoreOptions();
        Options.ValidSchema();
    }

    /// <summary>The schema and read chunk the stores use.</summary>
    public PostgresStoreOptions Options { get; }

    /// <inheritdoc />
    public async ValueTask<IEventStore> OpenAsync(EventStoreContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        bool owns = _dataSource is null;
        var source = _dataSource ?? NpgsqlDataSource.Create(_connectionString!);
        try
        {
            return await PostgresEventStore.OpenAsync(source, context.NodeId, Options, context.OnCommitted, owns, cancellationToken).ConfigureAwait(false);
        }
        catch when (owns)
        {
            // OpenAsync disposed the store (and with it the pool) if it got that far; a pool it never got is ours to close.
            await source.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}

using System.Globalization;
using Npgsql;
using static ZamSync.PostgreSql.SqlUInt64;

namespace ZamSync.PostgreSql;

/// <summary>
/// A hub's events in PostgreSQL, shared by every hub process of one schema (docs/postgresql.md). The database is the
/// truth: each append is one transaction that locks the origins it touches, checks for holes against what is
/// committed (not against this process's view, which another process may have overtaken) and moves the
/// <c>origins</c> vector with the events. This process keeps only a cached copy of that vector, refreshed by every
/// append it makes and by <see cref="RefreshAsync"/>.
/// </summary>
public sealed partial class PostgresEventStore : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresStoreOptions _options;
    private readonly string _s;
    private readonly int _chunk;
    private readonly Lock _viewGate = new();
    private readonly Dictionary<NodeId, OriginRow> _view = new();
    private bool _disposed;

    private PostgresEventStore(NpgsqlDataSource dataSource, NodeId nodeId, PostgresStoreOptions options)
    {
        _dataSource = dataSource;
        _options = options;
        _s = options.QuotedSchema;
        _chunk = options.ValidChunk();
        NodeId = nodeId;
    }

    /// <summary>The hub's node id, the same for every process of the schema (recorded in <c>meta.node_id</c>).</summary>
    public NodeId NodeId { get; }

    /// <summary>
    /// Binary COPY by default: measured here on 1,000-event batches it is 10-20% faster than the unnest insert
    /// (docs/postgresql.md, "Writing a batch"). Tests switch it to keep the other path honest.
    /// </summary>
    internal BatchWriteMethod WriteMethod { get; set; } = BatchWriteMethod.BinaryCopy;

    /// <summary>
    /// Opens the store in <paramref name="options"/>' schema, creating the tables when missing, and reads the vector.
    /// The first opener records <paramref name="nodeId"/> as the schema's node; opening it as another node is refused,
    /// since every process of one hub must mint its local events under one identity. The caller owns
    /// <paramref name="dataSource"/>.
    /// </summary>
    public static async Task<PostgresEventStore> OpenAsync(NpgsqlDataSource dataSource, NodeId nodeId, PostgresStoreOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        if (nodeId.IsEmpty) throw new ArgumentException("A store needs a non-zero node id.", nameof(nodeId));
        options ??= new PostgresStoreOptions();
        await PostgresSchema.EnsureCreatedAsync(dataSource, options, cancellationToken).ConfigureAwait(false);
        var store = new PostgresEventStore(dataSource, nodeId, options);
        await store.ClaimNodeAsync(cancellationToken).ConfigureAwait(false);
        await store.RefreshAsync(cancellationToken).ConfigureAwait(false);
        return store;
    }

    /// <summary>What this process last saw the database hold, per origin (including what compaction dropped).</summary>
    public VersionVector Known
    {
        get
        {
            var known = new VersionVector();
            lock (_viewGate)
                foreach (var (origin, row) in _view) known.Advance(origin, row.Held);
            return known;
        }
    }

    /// <summary>The compaction floors this process last saw: every event at or below them was dropped.</summary>
    public VersionVector Floors
    {
        get
        {
            var floors = new VersionVector();
            lock (_viewGate)
                foreach (var (origin, row) in _view) floors.Advance(origin, row.Floor);
            return floors;
        }
    }

    /// <summary>The highest sequence of <paramref name="origin"/> this process last saw held; 0 when none.</summary>
    public ulong HighestSequence(NodeId origin)
    {
        lock (_viewGate) return _view.TryGetValue(origin, out var row) ? row.Held : 0;
    }

    /// <summary>The highest stamp of <paramref name="origin"/>'s events this process last saw (kept across compaction).</summary>
    public Hlc HighStamp(NodeId origin)
    {
        lock (_viewGate) return _view.TryGetValue(origin, out var row) ? row.High : Hlc.Zero;
    }

    /// <summary>
    /// Re-reads the vector from the database, so this process sees what the other processes of the hub appended and
    /// compacted. Never moves the cached view backwards (a row only grows).
    /// </summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var rows = new List<(NodeId, OriginRow)>();
        await using (var command = _dataSource.CreateCommand($"SELECT origin, held, floor, high_physical, high_logical FROM {_s}.origins"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                rows.Add((NodeFromSql(reader.GetInt64(0)), ReadOriginRow(reader, 1)));
        }
        Remember(rows);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        // The data source (and its connections) belong to the caller; nothing of this store outlives a transaction.
        _disposed = true;
        return ValueTask.CompletedTask;
    }

    private async Task ClaimNodeAsync(CancellationToken cancellationToken)
    {
        string mine = NodeId.Value.ToString(CultureInfo.InvariantCulture);
        // Two statements, so the read takes its snapshot after the insert (or after a concurrent first opener's).
        await using (var claim = _dataSource.CreateCommand($"INSERT INTO {_s}.meta (key, value) VALUES ('node_id', @node) ON CONFLICT (key) DO NOTHING"))
        {
            claim.Parameters.AddWithValue("node", mine);
            await claim.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await using var read = _dataSource.CreateCommand($"SELECT value FROM {_s}.meta WHERE key = 'node_id'");
        string owner = (string)(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        if (owner != mine)
            throw new ZamException($"The schema '{_options.Schema}' holds the events of node {owner}; this process was opened as node {mine}. Every process of one hub uses the hub's node id; another hub needs another schema.");
    }

    private static OriginRow ReadOriginRow(NpgsqlDataReader reader, int first) => new(
        FromSql(reader.GetInt64(first)),
        FromSql(reader.GetInt64(first + 1)),
        new Hlc(reader.GetInt64(first + 2), checked((uint)reader.GetInt64(first + 3))));

    private void Remember(IEnumerable<(NodeId Origin, OriginRow Row)> rows)
    {
        lock (_viewGate)
        {
            foreach (var (origin, row) in rows)
            {
                _view[origin] = _view.TryGetValue(origin, out var seen)
                    ? new OriginRow(Math.Max(seen.Held, row.Held), Math.Max(seen.Floor, row.Floor), seen.High > row.High ? seen.High : row.High)
                    : row;
            }
        }
    }
}

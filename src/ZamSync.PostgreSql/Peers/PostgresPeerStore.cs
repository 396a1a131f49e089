using Npgsql;
using NpgsqlTypes;
using static ZamSync.PostgreSql.SqlUInt64;

namespace ZamSync.PostgreSql;

/// <summary>
/// Peer knowledge in PostgreSQL, shared by every hub process of one schema: a row per peer (its contract fingerprint)
/// and a row per peer and origin (what it holds). A save merges in SQL with <c>GREATEST</c>, so a hub process that was
/// paused while another advanced a peer's knowledge can save its older view afterwards without moving anything back.
/// </summary>
public sealed class PostgresPeerStore : IPeerStore
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _s;

    private readonly PostgresStoreOptions _options;
    private readonly SemaphoreSlim _schemaGate = new(1, 1);
    private volatile bool _schemaReady;

    /// <summary>
    /// A peer store in <paramref name="options"/>' schema; the tables are created (when missing) at its first use. The
    /// caller owns <paramref name="dataSource"/> (and disposes it after the store's last use).
    /// </summary>
    public PostgresPeerStore(NpgsqlDataSource dataSource, PostgresStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource;
        _options = options ?? new PostgresStoreOptions();
        _s = _options.QuotedSchema;
    }

    /// <summary>Opens the peer store and creates its tables now (rather than at first use).</summary>
    public static async Task<PostgresPeerStore> OpenAsync(NpgsqlDataSource dataSource, PostgresStoreOptions? options = null, CancellationToken cancellationToken = default)
    {
        var store = new PostgresPeerStore(dataSource, options);
        await store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        return store;
    }

    private async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        if (_schemaReady) return;
        await _schemaGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_schemaReady) await PostgresSchema.EnsureCreatedAsync(_dataSource, _options, cancellationToken).ConfigureAwait(false);
            _schemaReady = true;
        }
        finally
        {
            _schemaGate.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyDictionary<NodeId, PeerRecord>> LoadAsync(CancellationToken cancellationToken = default)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var holds = new Dictionary<NodeId, VersionVector>();
        var fingerprints = new Dictionary<NodeId, string?>();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        // One snapshot for both reads, so a concurrent save is seen whole or not at all.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        await using (var peers = new NpgsqlCommand($"SELECT peer, contract_fingerprint FROM {_s}.peers", connection, transaction))
        await using (var reader = await peers.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                fingerprints[NodeFromSql(reader.GetInt64(0))] = reader.IsDBNull(1) ? null : reader.GetString(1);
        }
        await using (var rows = new NpgsqlCommand($"SELECT peer, origin, seq FROM {_s}.peer_holds", connection, transaction))
        await using (var reader = await rows.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var peer = NodeFromSql(reader.GetInt64(0));
                if (!holds.TryGetValue(peer, out var vector)) holds[peer] = vector = new VersionVector();
                vector.Advance(NodeFromSql(reader.GetInt64(1)), FromSql(reader.GetInt64(2)));
            }
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return fingerprints.ToDictionary(p => p.Key, p => new PeerRecord(holds.GetValueOrDefault(p.Key) ?? new VersionVector(), p.Value));
    }

    /// <inheritdoc />
    public async ValueTask SaveAsync(IReadOnlyDictionary<NodeId, PeerRecord> changed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changed);
        if (changed.Count == 0) return;
        // Rows are written in key order, so two processes saving overlapping peers lock them in the same order and
        // one waits for the other instead of deadlocking.
        var peers = changed.OrderBy(p => p.Key.Value).ToArray();
        var peerIds = new long[peers.Length];
        var fingerprints = new string?[peers.Length];
        var holdPeers = new List<long>();
        var holdOrigins = new List<long>();
        var holdSeqs = new List<long>();
        for (int i = 0; i < peers.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(peers[i].Value);
            peerIds[i] = ToSql(peers[i].Key);
            fingerprints[i] = peers[i].Value.ContractFingerprint;
            foreach (var (origin, seq) in peers[i].Value.Holds) // VersionVector enumerates in origin order
            {
                holdPeers.Add(peerIds[i]);
                holdOrigins.Add(ToSql(origin));
                holdSeqs.Add(ToSql(seq));
            }
        }

        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        // The fingerprint is the last one presented: a save replaces it (null forgets it).
        var upsertPeers = new NpgsqlBatchCommand($"""
            INSERT INTO {_s}.peers (peer, contract_fingerprint)
            SELECT * FROM unnest(@peers, @fingerprints) ORDER BY 1
            ON CONFLICT (peer) DO UPDATE SET contract_fingerprint = excluded.contract_fingerprint
            """);
        upsertPeers.Parameters.Add(new NpgsqlParameter("peers", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = peerIds });
        upsertPeers.Parameters.Add(new NpgsqlParameter("fingerprints", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = fingerprints });
        batch.BatchCommands.Add(upsertPeers);
        if (holdPeers.Count > 0)
        {
            // Knowledge only grows: what is stored stays when it is ahead of this process's view.
            var mergeHolds = new NpgsqlBatchCommand($"""
                INSERT INTO {_s}.peer_holds (peer, origin, seq)
                SELECT * FROM unnest(@peers, @origins, @seqs) ORDER BY 1, 2
                ON CONFLICT (peer, origin) DO UPDATE SET seq = GREATEST({_s}.peer_holds.seq, excluded.seq)
                """);
            mergeHolds.Parameters.Add(new NpgsqlParameter("peers", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = holdPeers.ToArray() });
            mergeHolds.Parameters.Add(new NpgsqlParameter("origins", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = holdOrigins.ToArray() });
            mergeHolds.Parameters.Add(new NpgsqlParameter("seqs", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = holdSeqs.ToArray() });
            batch.BatchCommands.Add(mergeHolds);
        }
        // A batch runs as one implicit transaction: both tables change together or neither does.
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}

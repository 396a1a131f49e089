using Npgsql;
using NpgsqlTypes;
using static ZamSync.PostgreSql.SqlUInt64;

namespace ZamSync.PostgreSql;

public sealed partial class PostgresEventStore
{
    /// <inheritdoc />
    /// <remarks>
    /// One transaction: the floors (<see cref="CompactFloorsAsync"/>) and the base row (horizon, clock, snapshot)
    /// change together or not at all. The caller holds <see cref="PauseCommitsAsync"/>, so this process commits
    /// nothing meanwhile; other processes' appends of the same origins wait on the rows' locks.
    /// </remarks>
    public async ValueTask CompactAsync(StoreCompaction compaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(compaction);
        await CompactFloorsAsync(compaction.Floors, compaction, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Drops every event at or below <paramref name="floors"/> and records the floors, in one transaction, by the WAL's
    /// rule: the engine passes floors that every known peer holds; the store keeps each origin's row (its held
    /// sequence, floor and highest stamp), so no sequence is ever reused and nothing held is forgotten. A floor never
    /// moves down; one above what the database holds is refused (nothing changes). Returns how many events were dropped.
    /// </summary>
    internal async Task<long> CompactFloorsAsync(VersionVector floors, StoreCompaction? compaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(floors);
        var origins = floors.Origins.ToArray();
        Array.Sort(origins);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Locked like an append, so appends of these origins wait and the floor and the held sequence stay consistent.
        var rows = origins.Length == 0 ? [] : await LockOriginsAsync(connection, transaction, origins, cancellationToken).ConfigureAwait(false);
        var moved = new List<(long Origin, long From, long To)>();
        foreach (var origin in origins)
        {
            var row = rows[origin];
            ulong floor = floors[origin];
            if (floor > row.Held)
                throw new ArgumentException($"Cannot compact {origin} up to #{floor}: the database holds it only up to #{row.Held}.", nameof(floors));
            if (floor <= row.Floor) continue;
            moved.Add((ToSql(origin), ToSql(row.Floor), ToSql(floor)));
            rows[origin] = row with { Floor = floor };
        }
        await using var batch = new NpgsqlBatch(connection, transaction);
        NpgsqlBatchCommand? delete = null;
        if (moved.Count > 0)
        {
            // Each origin's range (old floor, new floor] is a range of the primary key.
            delete = new NpgsqlBatchCommand($"""
                DELETE FROM {_s}.events AS e USING unnest(@origins, @from, @to) AS f(origin, old_floor, new_floor)
                WHERE e.origin = f.origin AND e.seq > f.old_floor AND e.seq <= f.new_floor
                """);
            var update = new NpgsqlBatchCommand($"""
                UPDATE {_s}.origins AS o SET floor = f.new_floor,
                    bytes = (SELECT coalesce(sum(octet_length(e.payload) + {FixedRowBytes}), 0) FROM {_s}.events AS e WHERE e.origin = o.origin)
                FROM unnest(@origins, @to) AS f(origin, new_floor) WHERE o.origin = f.origin
                """);
            foreach (var command in new[] { delete, update })
            {
                command.Parameters.Add(Int64Array("origins", moved.Select(m => m.Origin).ToArray()));
                command.Parameters.Add(Int64Array("to", moved.Select(m => m.To).ToArray()));
                batch.BatchCommands.Add(command);
            }
            delete.Parameters.Add(Int64Array("from", moved.Select(m => m.From).ToArray()));
        }
        if (compaction is not null) batch.BatchCommands.Add(UpsertBase(compaction));
        if (batch.BatchCommands.Count > 0) await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        Remember(rows.Select(r => (r.Key, r.Value)));
        await ReadBaseAsync(cancellationToken).ConfigureAwait(false);
        return delete?.RecordsAffected ?? 0;
    }

    /// <summary>The base row keeps the latest horizon and clock (never lower ones) and the snapshot of the latest compaction.</summary>
    private NpgsqlBatchCommand UpsertBase(StoreCompaction compaction)
    {
        var h = compaction.Horizon;
        var command = new NpgsqlBatchCommand($"""
            INSERT INTO {_s}.base AS b (id, horizon_physical, horizon_logical, horizon_origin, horizon_seq, clock_physical, clock_logical, snapshot)
            VALUES (1, @hp, @hl, @ho, @hs, @cp, @cl, @snapshot)
            ON CONFLICT (id) DO UPDATE SET
                (horizon_physical, horizon_logical, horizon_origin, horizon_seq) =
                    (SELECT x.* FROM (VALUES (b.horizon_physical, b.horizon_logical, b.horizon_origin, b.horizon_seq),
                                             (excluded.horizon_physical, excluded.horizon_logical, excluded.horizon_origin, excluded.horizon_seq)) AS x(p, l, o, s)
                     ORDER BY x.p DESC NULLS LAST, x.l DESC, x.o DESC, x.s DESC LIMIT 1),
                (clock_physical, clock_logical) =
                    (SELECT x.* FROM (VALUES (b.clock_physical, b.clock_logical), (excluded.clock_physical, excluded.clock_logical)) AS x(p, l)
                     ORDER BY x.p DESC, x.l DESC LIMIT 1),
                snapshot = excluded.snapshot
            """);
        command.Parameters.Add(new NpgsqlParameter("hp", NpgsqlDbType.Bigint) { Value = h.Hlc.Physical });
        command.Parameters.Add(new NpgsqlParameter("hl", NpgsqlDbType.Bigint) { Value = (long)h.Hlc.Logical });
        command.Parameters.Add(new NpgsqlParameter("ho", NpgsqlDbType.Bigint) { Value = ToSql(h.Origin) });
        command.Parameters.Add(new NpgsqlParameter("hs", NpgsqlDbType.Bigint) { Value = ToSql(h.Sequence) });
        command.Parameters.Add(new NpgsqlParameter("cp", NpgsqlDbType.Bigint) { Value = compaction.Clock.Physical });
        command.Parameters.Add(new NpgsqlParameter("cl", NpgsqlDbType.Bigint) { Value = (long)compaction.Clock.Logical });
        command.Parameters.Add(new NpgsqlParameter("snapshot", NpgsqlDbType.Bytea) { Value = compaction.Snapshot.ToArray() });
        return command;
    }

    /// <summary>Reads the base row (and the rows' bytes, for <see cref="Length"/>) into the view; no row means never compacted.</summary>
    private async Task ReadBaseAsync(CancellationToken cancellationToken)
    {
        CompactedBase? found = null;
        Hlc clock = Hlc.Zero;
        await using (var command = _dataSource.CreateCommand($"""
            SELECT horizon_physical, horizon_logical, horizon_origin, horizon_seq, clock_physical, clock_logical, snapshot,
                   (SELECT coalesce(sum(bytes), 0) FROM {_s}.origins)::bigint
            FROM (SELECT 1) AS one LEFT JOIN {_s}.base ON true
            """))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                Interlocked.Exchange(ref _length, reader.GetInt64(7));
                if (!reader.IsDBNull(4))
                {
                    EventKey? horizon = reader.IsDBNull(0) ? null : new EventKey(
                        new Hlc(reader.GetInt64(0), checked((uint)reader.GetInt64(1))), NodeFromSql(reader.GetInt64(2)), FromSql(reader.GetInt64(3)));
                    clock = new Hlc(reader.GetInt64(4), checked((uint)reader.GetInt64(5)));
                    found = new CompactedBase(Floors, horizon, reader.GetFieldValue<byte[]>(6));
                }
            }
        }
        lock (_viewGate)
        {
            if (found is not null) _base = found;
            if (clock > _baseClock) _baseClock = clock;
        }
    }
}

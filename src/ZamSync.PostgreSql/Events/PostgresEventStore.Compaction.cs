using Npgsql;
using NpgsqlTypes;
using static ZamSync.PostgreSql.SqlUInt64;

namespace ZamSync.PostgreSql;

public sealed partial class PostgresEventStore
{
    /// <summary>
    /// Drops every event at or below <paramref name="floors"/> and records the floors, in one transaction, by the WAL's
    /// rule: the engine passes floors that every known peer holds; the store keeps each origin's row (its held
    /// sequence, floor and highest stamp), so no sequence is ever reused and nothing held is forgotten. A floor never
    /// moves down; one above what the database holds is refused (nothing changes). Returns how many events were dropped.
    /// </summary>
    public async Task<long> CompactAsync(VersionVector floors, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(floors);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (floors.Count == 0) return 0;
        var origins = floors.Origins.ToArray();
        Array.Sort(origins);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Locked like an append, so appends of these origins wait and the floor and the held sequence stay consistent.
        var rows = await LockOriginsAsync(connection, transaction, origins, cancellationToken).ConfigureAwait(false);
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
        long dropped = 0;
        if (moved.Count > 0)
        {
            await using var batch = new NpgsqlBatch(connection, transaction);
            // Each origin's range (old floor, new floor] is a range of the primary key.
            var delete = new NpgsqlBatchCommand($"""
                DELETE FROM {_s}.events AS e USING unnest(@origins, @from, @to) AS f(origin, old_floor, new_floor)
                WHERE e.origin = f.origin AND e.seq > f.old_floor AND e.seq <= f.new_floor
                """);
            var update = new NpgsqlBatchCommand($"""
                UPDATE {_s}.origins AS o SET floor = f.new_floor
                FROM unnest(@origins, @to) AS f(origin, new_floor) WHERE o.origin = f.origin
                """);
            foreach (var command in new[] { delete, update })
            {
                command.Parameters.Add(new NpgsqlParameter("origins", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = moved.Select(m => m.Origin).ToArray() });
                command.Parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = moved.Select(m => m.To).ToArray() });
                batch.BatchCommands.Add(command);
            }
            delete.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = moved.Select(m => m.From).ToArray() });
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            dropped = delete.RecordsAffected;
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        Remember(rows.Select(r => (r.Key, r.Value)));
        return dropped;
    }
}

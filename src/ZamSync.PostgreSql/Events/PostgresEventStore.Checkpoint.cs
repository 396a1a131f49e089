using Npgsql;
using NpgsqlTypes;
using static ZamSync.PostgreSql.SqlUInt64;

namespace ZamSync.PostgreSql;

public sealed partial class PostgresEventStore
{
    /// <inheritdoc />
    /// <remarks>
    /// One row, shared by the hub's processes (the last written wins). It names exactly the events it folded: per origin
    /// the range (floor, held] of the view it was written at. It still describes <paramref name="view"/> when no
    /// compaction moved a floor since, every range lies inside the view's, and the view holds exactly
    /// <see cref="StateCheckpoint.EventCount"/> events at or before its frontier: those include every event it folded
    /// (all sort at or before the frontier, the last it applied), so with the count equal they are the same events.
    /// </remarks>
    public StateCheckpoint? ReadCheckpoint(FoldView view)
    {
        var snapshot = Snapshot(view);
        using var command = _dataSource.CreateCommand($"""
            SELECT event_count, frontier_physical, frontier_logical, frontier_origin, frontier_seq, fingerprint, state, origins, floors, held
            FROM {_s}.checkpoint WHERE id = 1
            """);
        using var reader = command.ExecuteReader();
        if (!reader.Read()) return null;
        long count = reader.GetInt64(0);
        EventKey? frontier = reader.IsDBNull(1) ? null : new EventKey(
            new Hlc(reader.GetInt64(1), checked((uint)reader.GetInt64(2))), NodeFromSql(reader.GetInt64(3)), FromSql(reader.GetInt64(4)));
        string fingerprint = reader.GetString(5);
        byte[] state = reader.GetFieldValue<byte[]>(6);
        long[] origins = reader.GetFieldValue<long[]>(7), floors = reader.GetFieldValue<long[]>(8), held = reader.GetFieldValue<long[]>(9);
        reader.Close();

        long folded = 0;
        for (int i = 0; i < origins.Length; i++)
        {
            var origin = NodeFromSql(origins[i]);
            ulong floor = FromSql(floors[i]), high = FromSql(held[i]);
            var range = snapshot.Ranges.TryGetValue(origin, out var r) ? r : (Floor: 0UL, Held: 0UL);
            // Another floor: a compaction since (its events are gone or were never in this one's fold).
            if (floor != range.Floor || high > range.Held) return null;
            folded += (long)(high - floor);
        }
        foreach (var (origin, range) in snapshot.Ranges)
            if (range.Floor > 0 && Array.IndexOf(origins, ToSql(origin)) < 0) return null;
        if (folded != count) return null;
        long atOrBefore = frontier is { } key ? CountAtOrBefore(view, key) : 0;
        return atOrBefore == count ? new StateCheckpoint(count, frontier, state, fingerprint) : null;
    }

    /// <inheritdoc />
    /// <remarks>
    /// The engine writes one when every event of the store's view is folded (at close, after compaction), so the view
    /// as it stands names the folded events. One upsert; a failure is the engine's to report (an accelerator only).
    /// </remarks>
    public void WriteCheckpoint(StateCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var view = Snapshot(CaptureFold());
        // Written only when it is the whole view: otherwise the ranges would name events it did not fold.
        if (view.Count != checkpoint.EventCount) return;
        using var command = _dataSource.CreateCommand($"""
            INSERT INTO {_s}.checkpoint AS c (id, event_count, frontier_physical, frontier_logical, frontier_origin, frontier_seq, fingerprint, state, origins, floors, held)
            VALUES (1, @count, @fp, @fl, @fo, @fs, @fingerprint, @state, @origins, @floors, @held)
            ON CONFLICT (id) DO UPDATE SET event_count = excluded.event_count,
                frontier_physical = excluded.frontier_physical, frontier_logical = excluded.frontier_logical,
                frontier_origin = excluded.frontier_origin, frontier_seq = excluded.frontier_seq,
                fingerprint = excluded.fingerprint, state = excluded.state,
                origins = excluded.origins, floors = excluded.floors, held = excluded.held
            """);
        var f = checkpoint.Frontier;
        command.Parameters.AddWithValue("count", checkpoint.EventCount);
        command.Parameters.Add(new NpgsqlParameter("fp", NpgsqlDbType.Bigint) { Value = f is { } a ? a.Hlc.Physical : DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("fl", NpgsqlDbType.Bigint) { Value = f is { } b ? (long)b.Hlc.Logical : DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("fo", NpgsqlDbType.Bigint) { Value = f is { } c ? ToSql(c.Origin) : DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("fs", NpgsqlDbType.Bigint) { Value = f is { } d ? ToSql(d.Sequence) : DBNull.Value });
        command.Parameters.AddWithValue("fingerprint", checkpoint.ContractFingerprint);
        command.Parameters.Add(new NpgsqlParameter("state", NpgsqlDbType.Bytea) { Value = checkpoint.State.ToArray() });
        command.Parameters.Add(Int64Array("origins", view.Origins));
        command.Parameters.Add(Int64Array("floors", view.FloorsSql));
        command.Parameters.Add(Int64Array("held", view.HeldSql));
        command.ExecuteNonQuery();
    }
}

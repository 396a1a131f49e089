using System.Runtime.InteropServices;
using Npgsql;
using NpgsqlTypes;
using static ZamSync.PostgreSql.SqlUInt64;

namespace ZamSync.PostgreSql;

public sealed partial class PostgresEventStore
{
    /// <summary>What one append transaction found and did.</summary>
    /// <param name="Fresh">The events it stored (the rest were replays).</param>
    /// <param name="Before">The locked rows of its origins as committed before it.</param>
    /// <param name="After">The same rows as it committed them.</param>
    internal sealed record AppendOutcome(List<StoredEvent> Fresh, Dictionary<NodeId, OriginRow> Before, Dictionary<NodeId, OriginRow> After);

    /// <summary>
    /// Appends in one transaction: events already held (by this or another process) are skipped, the rest must
    /// continue their origins' sequences as committed in the database. Throws <see cref="SequenceHoleException"/> and
    /// keeps nothing of the batch when one would leave a hole.
    /// </summary>
    /// <remarks>
    /// This node's own events are not skipped on sight: an own sequence at or below what is committed is a replay only
    /// when the stored event is the same one (a peer sending the hub's events back to a process that had not seen them).
    /// Otherwise another hub process took that sequence first, and the hole tells the engine to refresh and count
    /// again. (Two processes minting the very same event, same stamp, type and payload, collapse into one; the one
    /// stored is exactly what both submitters were told.) An own event whose stamp does not rise above the committed
    /// ones is refused the same way, since every node quarantines an origin's event whose stamp does not rise with its
    /// sequence.
    /// </remarks>
    internal async Task<AppendOutcome> CommitAppendAsync(IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken)
    {
        var origins = SortedOrigins(events);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var before = await LockOriginsAsync(connection, transaction, origins, cancellationToken).ConfigureAwait(false);
        var rows = new Dictionary<NodeId, OriginRow>(before);

        // The hole check, against what is committed: the rows are locked, so nobody can move them until we commit.
        var fresh = new List<StoredEvent>(events.Count);
        List<EventEnvelope>? ownReplays = null;
        foreach (var stored in events)
        {
            var e = stored.Envelope;
            if (e.Origin.IsEmpty || e.Sequence == 0)
                throw new ArgumentException($"An event with no identity ({e}) cannot be stored.", nameof(events));
            var row = rows[e.Origin];
            if (e.Sequence <= row.Held)
            {
                if (e.Origin == NodeId)
                {
                    if (e.Sequence <= row.Floor) throw new SequenceHoleException(e.Origin, row.Held + 1, e.Sequence);
                    (ownReplays ??= []).Add(e);
                }
                continue; // a replay, or already appended by another hub process
            }
            if (e.Sequence != row.Held + 1) throw new SequenceHoleException(e.Origin, row.Held + 1, e.Sequence);
            if (e.Origin == NodeId && e.Hlc <= row.High) throw new SequenceHoleException(e.Origin, row.Held + 1, e.Sequence);
            rows[e.Origin] = row with { Held = e.Sequence, High = e.Hlc > row.High ? e.Hlc : row.High };
            fresh.Add(stored);
        }
        if (ownReplays is not null) await CheckOwnReplaysAsync(connection, transaction, ownReplays, before[NodeId], cancellationToken).ConfigureAwait(false);
        if (fresh.Count > 0)
        {
            await WriteEventsAsync(connection, transaction, fresh, cancellationToken).ConfigureAwait(false);
            await UpdateOriginsAsync(connection, transaction, rows, fresh, cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        long bytes = 0;
        foreach (var e in fresh) bytes += RowBytes(e.Envelope);
        Interlocked.Add(ref _length, bytes);
        return new AppendOutcome(fresh, before, rows);
    }

    /// <summary>Own events at or below the committed sequence must be the very events stored there, or the sequence was taken.</summary>
    private async Task CheckOwnReplaysAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<EventEnvelope> replays, OriginRow row, CancellationToken cancellationToken)
    {
        var stored = new Dictionary<ulong, (Hlc Hlc, uint Type, byte[] Payload)>();
        await using (var command = new NpgsqlCommand($"SELECT seq, hlc_physical, hlc_logical, event_type, payload FROM {_s}.events WHERE origin = @origin AND seq = ANY(@seqs)", connection, transaction))
        {
            command.Parameters.AddWithValue("origin", ToSql(NodeId));
            command.Parameters.Add(Int64Array("seqs", replays.Select(r => ToSql(r.Sequence)).ToArray()));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                stored[FromSql(reader.GetInt64(0))] = (new Hlc(reader.GetInt64(1), checked((uint)reader.GetInt64(2))), checked((uint)reader.GetInt64(3)), reader.GetFieldValue<byte[]>(4));
        }
        foreach (var e in replays)
        {
            bool same = stored.TryGetValue(e.Sequence, out var s) && s.Hlc == e.Hlc && s.Type == e.EventType && e.Payload.Span.SequenceEqual(s.Payload);
            if (!same) throw new SequenceHoleException(NodeId, row.Held + 1, e.Sequence);
        }
    }

    private static NodeId[] SortedOrigins(IReadOnlyList<StoredEvent> events)
    {
        var set = new HashSet<NodeId>();
        foreach (var e in events) set.Add(e.Envelope.Origin);
        var origins = set.ToArray();
        Array.Sort(origins);
        return origins;
    }

    /// <summary>
    /// Locks the rows of <paramref name="origins"/> (sorted), creating the missing ones, and returns them as committed.
    /// Every writer locks in origin order, so two transactions over overlapping origins queue instead of deadlocking;
    /// a row another transaction is creating makes ours wait for it, then lock it.
    /// </summary>
    private async Task<Dictionary<NodeId, OriginRow>> LockOriginsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, NodeId[] origins, CancellationToken cancellationToken)
    {
        var ids = Array.ConvertAll(origins, ToSql);
        await using var batch = new NpgsqlBatch(connection, transaction);
        var create = new NpgsqlBatchCommand($"""
            INSERT INTO {_s}.origins (origin, held, floor, high_physical, high_logical)
            SELECT o, @none, @none, 0, 0 FROM unnest(@origins) AS o ORDER BY o
            ON CONFLICT (origin) DO NOTHING
            """);
        create.Parameters.Add(Int64Array("origins", ids));
        create.Parameters.Add(new NpgsqlParameter("none", NpgsqlDbType.Bigint) { Value = ToSql(0UL) });
        batch.BatchCommands.Add(create);
        var select = new NpgsqlBatchCommand($"""
            SELECT origin, held, floor, high_physical, high_logical FROM {_s}.origins
            WHERE origin = ANY(@origins) ORDER BY origin FOR UPDATE
            """);
        select.Parameters.Add(Int64Array("origins", ids));
        batch.BatchCommands.Add(select);

        var rows = new Dictionary<NodeId, OriginRow>(origins.Length);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        do
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                rows[NodeFromSql(reader.GetInt64(0))] = ReadOriginRow(reader, 1);
        }
        while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));
        return rows;
    }

    /// <summary>What one event's row counts for in <see cref="Length"/>: its payload and its fixed columns.</summary>
    internal static long RowBytes(EventEnvelope e) => e.Payload.Length + FixedRowBytes;

    /// <summary>The fixed columns of an event's row (seven 8-byte values, rounded), the same in SQL (compaction's recount).</summary>
    private const int FixedRowBytes = 48;

    private async Task UpdateOriginsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Dictionary<NodeId, OriginRow> rows, List<StoredEvent> fresh, CancellationToken cancellationToken)
    {
        var added = new Dictionary<NodeId, long>();
        foreach (var e in fresh) added[e.Envelope.Origin] = added.GetValueOrDefault(e.Envelope.Origin) + RowBytes(e.Envelope);
        int n = rows.Count, i = 0;
        long[] origins = new long[n], held = new long[n], physical = new long[n], logical = new long[n], bytes = new long[n];
        foreach (var (origin, row) in rows)
        {
            origins[i] = ToSql(origin);
            held[i] = ToSql(row.Held);
            physical[i] = row.High.Physical;
            logical[i] = row.High.Logical;
            bytes[i] = added.GetValueOrDefault(origin);
            i++;
        }
        await using var command = new NpgsqlCommand($"""
            UPDATE {_s}.origins AS o SET held = v.held, high_physical = v.physical, high_logical = v.logical, bytes = o.bytes + v.bytes
            FROM unnest(@origins, @held, @physical, @logical, @bytes) AS v(origin, held, physical, logical, bytes)
            WHERE o.origin = v.origin
            """, connection, transaction);
        command.Parameters.Add(Int64Array("origins", origins));
        command.Parameters.Add(Int64Array("held", held));
        command.Parameters.Add(Int64Array("physical", physical));
        command.Parameters.Add(Int64Array("logical", logical));
        command.Parameters.Add(Int64Array("bytes", bytes));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private Task WriteEventsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<StoredEvent> events, CancellationToken cancellationToken) =>
        WriteMethod == BatchWriteMethod.BinaryCopy
            ? CopyEventsAsync(connection, events, cancellationToken)
            : InsertEventsAsync(connection, transaction, events, cancellationToken);

    private async Task InsertEventsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<StoredEvent> events, CancellationToken cancellationToken)
    {
        int n = events.Count;
        long[] origins = new long[n], seqs = new long[n], physical = new long[n], logical = new long[n], types = new long[n];
        bool[] quarantined = new bool[n];
        byte[][] payloads = new byte[n][];
        for (int i = 0; i < n; i++)
        {
            var e = events[i].Envelope;
            origins[i] = ToSql(e.Origin);
            seqs[i] = ToSql(e.Sequence);
            physical[i] = e.Hlc.Physical;
            logical[i] = e.Hlc.Logical;
            types[i] = e.EventType;
            quarantined[i] = events[i].Quarantined;
            payloads[i] = WholeArray(e.Payload);
        }
        // ON CONFLICT DO NOTHING is a second guard: the locked rows and the filter above already keep replays out.
        await using var command = new NpgsqlCommand($"""
            INSERT INTO {_s}.events (origin, seq, hlc_physical, hlc_logical, event_type, quarantined, payload)
            SELECT * FROM unnest(@origins, @seqs, @physical, @logical, @types, @quarantined, @payloads)
            ON CONFLICT (origin, seq) DO NOTHING
            """, connection, transaction);
        command.Parameters.Add(Int64Array("origins", origins));
        command.Parameters.Add(Int64Array("seqs", seqs));
        command.Parameters.Add(Int64Array("physical", physical));
        command.Parameters.Add(Int64Array("logical", logical));
        command.Parameters.Add(Int64Array("types", types));
        command.Parameters.Add(new NpgsqlParameter("quarantined", NpgsqlDbType.Array | NpgsqlDbType.Boolean) { Value = quarantined });
        command.Parameters.Add(new NpgsqlParameter("payloads", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = payloads });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task CopyEventsAsync(NpgsqlConnection connection, List<StoredEvent> events, CancellationToken cancellationToken)
    {
        await using var writer = await connection.BeginBinaryImportAsync(
            $"COPY {_s}.events (origin, seq, hlc_physical, hlc_logical, event_type, quarantined, payload) FROM STDIN (FORMAT BINARY)",
            cancellationToken).ConfigureAwait(false);
        foreach (var stored in events)
        {
            var e = stored.Envelope;
            await writer.StartRowAsync(cancellationToken).ConfigureAwait(false);
            await writer.WriteAsync(ToSql(e.Origin), NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
            await writer.WriteAsync(ToSql(e.Sequence), NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
            await writer.WriteAsync(e.Hlc.Physical, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
            await writer.WriteAsync((long)e.Hlc.Logical, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
            await writer.WriteAsync((long)e.EventType, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
            await writer.WriteAsync(stored.Quarantined, NpgsqlDbType.Boolean, cancellationToken).ConfigureAwait(false);
            await writer.WriteAsync(WholeArray(e.Payload), NpgsqlDbType.Bytea, cancellationToken).ConfigureAwait(false);
        }
        await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The payload as an array of exactly its bytes: its own array when it is one, else a copy.</summary>
    private static byte[] WholeArray(ReadOnlyMemory<byte> payload) =>
        MemoryMarshal.TryGetArray(payload, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : payload.ToArray();

    private static NpgsqlParameter Int64Array(string name, long[] values) =>
        new(name, NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = values };
}

using System.Runtime.CompilerServices;
using Npgsql;
using static ZamSync.PostgreSql.SqlUInt64;

namespace ZamSync.PostgreSql;

public sealed partial class PostgresEventStore
{
    private const string Columns = "origin, seq, hlc_physical, hlc_logical, event_type, quarantined, payload";

    /// <summary>
    /// Committed events of <paramref name="origin"/> from <paramref name="fromSequence"/> on, in sequence order, as
    /// an index range scan on the primary key, streamed <see cref="PostgresStoreOptions.ReadChunkRows"/> at a time
    /// (each chunk its own query, so no transaction stays open while the caller sends what it read).
    /// </summary>
    public async IAsyncEnumerable<StoredEvent> ReadAsync(NodeId origin, ulong fromSequence, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ulong next = Math.Max(fromSequence, 1);
        while (true)
        {
            int count = 0;
            await using var command = _dataSource.CreateCommand($"""
                SELECT {Columns} FROM {_s}.events
                WHERE origin = @origin AND seq >= @from
                ORDER BY seq LIMIT @chunk
                """);
            command.Parameters.AddWithValue("origin", ToSql(origin));
            command.Parameters.AddWithValue("from", ToSql(next));
            command.Parameters.AddWithValue("chunk", _chunk);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var stored = ReadEvent(reader);
                count++;
                yield return stored;
                if (stored.Envelope.Sequence == ulong.MaxValue) yield break;
                next = stored.Envelope.Sequence + 1;
            }
            if (count < _chunk) yield break;
        }
    }

    /// <summary>
    /// Committed events in the fold order <c>(hlc, origin, seq)</c> strictly after <paramref name="after"/> (from the
    /// start when null), through the <c>events_fold_order</c> index, streamed chunk by chunk with a row comparison as
    /// the resume point.
    /// </summary>
    public async IAsyncEnumerable<StoredEvent> ReadInFoldOrderAsync(EventKey? after = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var resume = after;
        while (true)
        {
            int count = 0;
            string where = resume is null ? "" : "WHERE (hlc_physical, hlc_logical, origin, seq) > (@physical, @logical, @origin, @seq)";
            await using var command = _dataSource.CreateCommand($"""
                SELECT {Columns} FROM {_s}.events {where}
                ORDER BY hlc_physical, hlc_logical, origin, seq LIMIT @chunk
                """);
            if (resume is { } key)
            {
                command.Parameters.AddWithValue("physical", key.Hlc.Physical);
                command.Parameters.AddWithValue("logical", (long)key.Hlc.Logical);
                command.Parameters.AddWithValue("origin", ToSql(key.Origin));
                command.Parameters.AddWithValue("seq", ToSql(key.Sequence));
            }
            command.Parameters.AddWithValue("chunk", _chunk);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var stored = ReadEvent(reader);
                count++;
                resume = stored.Envelope.Key;
                yield return stored;
            }
            if (count < _chunk) yield break;
        }
    }

    private static StoredEvent ReadEvent(NpgsqlDataReader reader) => new(
        new EventEnvelope(
            NodeFromSql(reader.GetInt64(0)),
            FromSql(reader.GetInt64(1)),
            new Hlc(reader.GetInt64(2), checked((uint)reader.GetInt64(3))),
            checked((uint)reader.GetInt64(4)),
            reader.GetFieldValue<byte[]>(6)),
        reader.GetBoolean(5));
}

using System.Runtime.CompilerServices;
using Npgsql;
using static ZamSync.PostgreSql.SqlUInt64;

namespace ZamSync.PostgreSql;

public sealed partial class PostgresEventStore
{
    private const string Columns = "origin, seq, hlc_physical, hlc_logical, event_type, quarantined, payload";
    private const string FoldOrder = "hlc_physical, hlc_logical, origin, seq";

    // Every read fetches a chunk into memory and closes its query before handing out a row: memory stays bounded by
    // the chunk, and a slow consumer (a state's Apply, a 2G link) never holds a connection or a snapshot open.

    /// <inheritdoc />
    /// <remarks>A range of the primary key, <c>origin = O AND seq &gt;= n</c>, chunk by chunk.</remarks>
    public IEnumerable<StoredEvent> Read(NodeId origin, ulong fromSequence)
    {
        ulong next = Math.Max(fromSequence, 1);
        while (true)
        {
            var chunk = ReadOriginChunk(origin, next);
            foreach (var e in chunk) yield return e;
            if (chunk.Count < _chunk || chunk[^1].Envelope.Sequence == ulong.MaxValue) yield break;
            next = chunk[^1].Envelope.Sequence + 1;
        }
    }

    /// <summary>The asynchronous form of <see cref="Read"/>.</summary>
    public async IAsyncEnumerable<StoredEvent> ReadAsync(NodeId origin, ulong fromSequence, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ulong next = Math.Max(fromSequence, 1);
        while (true)
        {
            var chunk = new List<StoredEvent>();
            await using (var command = OriginChunkCommand(origin, next))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) chunk.Add(ReadEvent(reader));
            }
            foreach (var e in chunk) yield return e;
            if (chunk.Count < _chunk || chunk[^1].Envelope.Sequence == ulong.MaxValue) yield break;
            next = chunk[^1].Envelope.Sequence + 1;
        }
    }

    /// <inheritdoc />
    /// <remarks>Everything committed, by every process, through the <c>events_fold_order</c> index.</remarks>
    public IEnumerable<StoredEvent> ReadInFoldOrder() => ReadFold(view: null, start: 0);

    /// <inheritdoc />
    public FoldView CaptureFold()
    {
        lock (_viewGate)
        {
            var snapshot = new FoldSnapshot(_view.ToDictionary(v => v.Key, v => (v.Value.Floor, v.Value.Held)));
            return new FoldView(snapshot.Count, _batchNumber, snapshot);
        }
    }

    /// <inheritdoc />
    public IEnumerable<StoredEvent> ReadInFoldOrder(FoldView view, long start = 0)
    {
        ArgumentNullException.ThrowIfNull(view);
        return ReadFold(Snapshot(view), start);
    }

    /// <inheritdoc />
    /// <remarks>An index-only scan of <c>events_fold_order</c>: no payload is read.</remarks>
    public IEnumerable<EventKey> ReadFoldKeys(FoldView view, long start = 0)
    {
        ArgumentNullException.ThrowIfNull(view);
        var snapshot = Snapshot(view);
        long position = 0;
        EventKey? resume = null;
        while (true)
        {
            var keys = new List<EventKey>();
            using (var command = FoldChunkCommand("hlc_physical, hlc_logical, origin, seq", resume))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                    keys.Add(new EventKey(new Hlc(reader.GetInt64(0), checked((uint)reader.GetInt64(1))), NodeFromSql(reader.GetInt64(2)), FromSql(reader.GetInt64(3))));
            }
            foreach (var key in keys)
            {
                if (!snapshot.Contains(key.Origin, key.Sequence)) continue;
                if (position++ >= start) yield return key;
            }
            if (keys.Count < _chunk) yield break;
            resume = keys[^1];
        }
    }

    private static FoldSnapshot Snapshot(FoldView view) =>
        view.State as FoldSnapshot ?? throw new ArgumentException("The view was not captured by this store.", nameof(view));

    private IEnumerable<StoredEvent> ReadFold(FoldSnapshot? view, long start)
    {
        long position = 0;
        EventKey? resume = null;
        while (true)
        {
            var chunk = new List<StoredEvent>();
            using (var command = FoldChunkCommand(Columns, resume))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read()) chunk.Add(ReadEvent(reader));
            }
            foreach (var e in chunk)
            {
                // Rows committed after the view was captured sort anywhere; the view leaves them out.
                if (view is not null && !view.Contains(e.Envelope.Origin, e.Envelope.Sequence)) continue;
                if (position++ >= start) yield return e;
            }
            if (chunk.Count < _chunk) yield break;
            resume = chunk[^1].Envelope.Key;
        }
    }

    private List<StoredEvent> ReadOriginChunk(NodeId origin, ulong from)
    {
        var chunk = new List<StoredEvent>();
        using var command = OriginChunkCommand(origin, from);
        using var reader = command.ExecuteReader();
        while (reader.Read()) chunk.Add(ReadEvent(reader));
        return chunk;
    }

    private NpgsqlCommand OriginChunkCommand(NodeId origin, ulong from)
    {
        var command = _dataSource.CreateCommand($"""
            SELECT {Columns} FROM {_s}.events
            WHERE origin = @origin AND seq >= @from
            ORDER BY seq LIMIT @chunk
            """);
        command.Parameters.AddWithValue("origin", ToSql(origin));
        command.Parameters.AddWithValue("from", ToSql(from));
        command.Parameters.AddWithValue("chunk", _chunk);
        return command;
    }

    /// <summary>The next chunk in fold order after <paramref name="resume"/>: a row comparison the index serves directly.</summary>
    private NpgsqlCommand FoldChunkCommand(string columns, EventKey? resume)
    {
        string where = resume is null ? "" : $"WHERE ({FoldOrder}) > (@physical, @logical, @origin, @seq)";
        var command = _dataSource.CreateCommand($"SELECT {columns} FROM {_s}.events {where} ORDER BY {FoldOrder} LIMIT @chunk");
        if (resume is { } key)
        {
            command.Parameters.AddWithValue("physical", key.Hlc.Physical);
            command.Parameters.AddWithValue("logical", (long)key.Hlc.Logical);
            command.Parameters.AddWithValue("origin", ToSql(key.Origin));
            command.Parameters.AddWithValue("seq", ToSql(key.Sequence));
        }
        command.Parameters.AddWithValue("chunk", _chunk);
        return command;
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

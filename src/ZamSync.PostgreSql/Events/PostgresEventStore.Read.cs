using System.Runtime.CompilerServices;
using Npgsql;
using static ZamSync.PostgreSql.SqlUInt64;

namespace ZamSync.PostgreSql;

public sealed partial class PostgresEventStore
{
    private const string Columns = "origin, seq, hlc_physical, hlc_logical, event_type, quarantined, payload";

    // Every read fetches a chunk into memory and closes its query before handing out a row: memory stays bounded by
    // the chunk, and a slow consumer (a state's Apply, a 2G link) never holds a connection or a snapshot open.

    /// <inheritdoc />
    /// <remarks>A range of the primary key, <c>origin = O AND seq &gt;= n</c>, chunk by chunk.</remarks>
    public IEnumerable<StoredEvent> Read(NodeId origin, ulong fromSequence)
    {
        ulong next = Math.Max(fromSequence, 1);
        ulong floor = Floor(origin);
        if (floor > 0 && next <= floor) throw new EventsCompactedException(origin, next, floor);
        while (true)
        {
            var chunk = ReadOriginChunk(origin, next);
            // Rows are contiguous above the floor: a first row past the asked one means another process compacted.
            if (chunk.Count > 0 && chunk[0].Envelope.Sequence != next)
                throw new EventsCompactedException(origin, next, chunk[0].Envelope.Sequence - 1);
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
    /// <remarks>What this process had published when the read began, through the <c>events_fold_order</c> index.</remarks>
    public IEnumerable<StoredEvent> ReadInFoldOrder() => ReadInFoldOrder(CaptureFold());

    /// <inheritdoc />
    public FoldView CaptureFold()
    {
        lock (_viewGate)
        {
            var snapshot = new FoldSnapshot(_view.ToDictionary(v => v.Key, v => (v.Value.Floor, v.Value.Held)), _compactions);
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
        foreach (var row in ReadFoldRows(Snapshot(view), start, KeyColumns))
            yield return row.Key;
    }

    /// <inheritdoc />
    /// <remarks>
    /// A count over the index (no payloads). It also tells the view where its next read starts, so the fold's usual
    /// "count what is applied, then read on" reads on from the key with a range scan instead of skipping rows.
    /// </remarks>
    public long CountAtOrBefore(FoldView view, EventKey key)
    {
        ArgumentNullException.ThrowIfNull(view);
        var snapshot = Snapshot(view);
        using var command = _dataSource.CreateCommand($"""
            SELECT count(*) FROM {_s}.events e {InView}
            WHERE (e.hlc_physical, e.hlc_logical, e.origin, e.seq) <= (@physical, @logical, @origin, @seq)
            """);
        AddView(command, snapshot);
        AddKey(command, key);
        long count = (long)command.ExecuteScalar()!;
        snapshot.NoteCount(count, key);
        return count;
    }

    private static FoldSnapshot Snapshot(FoldView view) =>
        view.State as FoldSnapshot ?? throw new ArgumentException("The view was not captured by this store.", nameof(view));

    private const string KeyColumns = "e.hlc_physical, e.hlc_logical, e.origin, e.seq";
    private const string EventColumns = "e.origin, e.seq, e.hlc_physical, e.hlc_logical, e.event_type, e.quarantined, e.payload";

    // Joins the view's per-origin ranges: rows committed after the capture (by any process) stay out of it.
    private const string InView = "JOIN unnest(@view_origins, @view_floors, @view_held) AS v(origin, floor, held) ON e.origin = v.origin AND e.seq > v.floor AND e.seq <= v.held";

    private IEnumerable<StoredEvent> ReadFold(FoldSnapshot view, long start)
    {
        foreach (var e in ReadFoldRows(view, start, EventColumns))
            yield return e.Event;
    }

    /// <summary>
    /// The view's rows in fold order from position <paramref name="start"/>, chunk by chunk, each chunk its own query
    /// resuming after the last key: from a key the view knows its position of, else from the start with an OFFSET.
    /// </summary>
    private IEnumerable<(EventKey Key, StoredEvent Event)> ReadFoldRows(FoldSnapshot view, long start, string columns)
    {
        if (start >= view.Count) yield break;
        EventKey? resume = null;
        long skip = start;
        if (start > 0 && view.TryResume(start, out var known))
        {
            resume = known;
            skip = 0;
        }
        long position = start;
        while (true)
        {
            // Compaction deletes rows of the view: a read across it would skip events without saying so.
            lock (_viewGate)
                if (_compactions != view.Compactions)
                    throw new InvalidOperationException("The log was compacted while it was being read in fold order.");
            var chunk = new List<(EventKey, StoredEvent)>();
            using (var command = _dataSource.CreateCommand($"""
                SELECT {columns} FROM {_s}.events e {InView}
                {(resume is null ? "" : "WHERE (e.hlc_physical, e.hlc_logical, e.origin, e.seq) > (@physical, @logical, @origin, @seq)")}
                ORDER BY e.hlc_physical, e.hlc_logical, e.origin, e.seq LIMIT @chunk OFFSET @skip
                """))
            {
                AddView(command, view);
                if (resume is { } key) AddKey(command, key);
                command.Parameters.AddWithValue("chunk", _chunk);
                command.Parameters.AddWithValue("skip", skip);
                using var reader = command.ExecuteReader();
                bool keysOnly = ReferenceEquals(columns, KeyColumns);
                while (reader.Read())
                {
                    if (keysOnly)
                    {
                        var k = new EventKey(new Hlc(reader.GetInt64(0), checked((uint)reader.GetInt64(1))), NodeFromSql(reader.GetInt64(2)), FromSql(reader.GetInt64(3)));
                        chunk.Add((k, default));
                    }
                    else
                    {
                        var e = ReadEvent(reader);
                        chunk.Add((e.Envelope.Key, e));
                    }
                }
            }
            skip = 0;
            if (chunk.Count == 0) yield break;
            position += chunk.Count;
            resume = chunk[^1].Item1;
            view.NoteCount(position, resume.Value);
            foreach (var row in chunk)
            {
                // Checked per row too, so a reader part-way through a chunk is told as on the embedded log.
                if (Interlocked.Read(ref _compactions) != view.Compactions)
                    throw new InvalidOperationException("The log was compacted while it was being read in fold order.");
                yield return row;
            }
            if (chunk.Count < _chunk) yield break;
        }
    }

    private static void AddView(NpgsqlCommand command, FoldSnapshot view)
    {
        command.Parameters.Add(Int64Array("view_origins", view.Origins));
        command.Parameters.Add(Int64Array("view_floors", view.FloorsSql));
        command.Parameters.Add(Int64Array("view_held", view.HeldSql));
    }

    private static void AddKey(NpgsqlCommand command, EventKey key)
    {
        command.Parameters.AddWithValue("physical", key.Hlc.Physical);
        command.Parameters.AddWithValue("logical", (long)key.Hlc.Logical);
        command.Parameters.AddWithValue("origin", ToSql(key.Origin));
        command.Parameters.AddWithValue("seq", ToSql(key.Sequence));
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

    private static StoredEvent ReadEvent(NpgsqlDataReader reader) => new(
        new EventEnvelope(
            NodeFromSql(reader.GetInt64(0)),
            FromSql(reader.GetInt64(1)),
            new Hlc(reader.GetInt64(2), checked((uint)reader.GetInt64(3))),
            checked((uint)reader.GetInt64(4)),
            reader.GetFieldValue<byte[]>(6)),
        reader.GetBoolean(5));
}

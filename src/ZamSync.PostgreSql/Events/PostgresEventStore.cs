using System.Globalization;
using System.Threading.Channels;
using Npgsql;
using ZamSync.Wal;
using static ZamSync.PostgreSql.SqlUInt64;

namespace ZamSync.PostgreSql;

/// <summary>
/// The engine's storage port on PostgreSQL, shared by every hub process of one schema (docs/postgresql.md). The
/// database is the truth: each append is one transaction that locks the origins it touches, checks for holes against
/// what is committed (not against this process's view, which another process may have overtaken) and moves the
/// <c>origins</c> vector with the events. A process keeps only its <em>published</em> view of that vector: what it has
/// handed to the engine's <see cref="EventStoreContext.OnCommitted"/>, its own appends at commit and the other
/// processes' at <see cref="RefreshAsync"/>, so the engine sees every event exactly once.
/// Opened through <see cref="PostgresStoreProvider"/> (the engine is its only writer).
/// </summary>
public sealed partial class PostgresEventStore : IEventStore
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly PostgresStoreOptions _options;
    private readonly string _s;
    private readonly int _chunk;
    private readonly Action<CommittedBatch> _onCommitted;

    // _viewGate guards the published view, the queue's bookkeeping and the batch counter; it is held only briefly.
    private readonly Lock _viewGate = new();
    private readonly Dictionary<NodeId, OriginRow> _view = new();
    private readonly Dictionary<NodeId, ulong> _queuedHigh = new();
    private readonly Dictionary<NodeId, Hlc> _queuedStamp = new();
    private readonly List<PendingAppend> _pending = [];
    private long _batchNumber;
    // How many times this process has seen a floor rise: a captured view's rows below the new floors are gone.
    private long _compactions;
    private long _writeFailures;
    private long _position;
    private bool _stopped;

    // _commitGate orders everything that publishes (commits, refreshes) and what compaction pauses.
    private readonly SemaphoreSlim _commitGate = new(1, 1);
    private readonly Channel<PendingAppend> _queue = Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    private CompactedBase? _base;
    private Hlc _baseClock;
    private long _length;

    private PostgresEventStore(NpgsqlDataSource dataSource, bool ownsDataSource, NodeId nodeId, PostgresStoreOptions options, Action<CommittedBatch>? onCommitted)
    {
        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
        _options = options;
        _s = options.QuotedSchema;
        _chunk = options.ValidChunk();
        _onCommitted = onCommitted ?? (_ => { });
        NodeId = nodeId;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>The hub's node id, the same for every process of the schema (recorded in <c>meta.node_id</c>).</summary>
    public NodeId NodeId { get; }

    /// <summary>
    /// Binary COPY by default: measured here on 1,000-event batches it is 10-20% faster than the unnest insert
    /// (docs/postgresql.md, "Writing a batch"). Tests switch it to keep the other path honest.
    /// </summary>
    internal BatchWriteMethod WriteMethod { get; set; } = BatchWriteMethod.BinaryCopy;

    /// <inheritdoc />
    public WalRecoveryReport Recovery { get; private set; } = new(0, -1, 0);

    /// <inheritdoc />
    public StoreClockReading ClockAtOpen { get; private set; }

    /// <inheritdoc />
    public CompactedBase? Base
    {
        get { lock (_viewGate) return _base; }
    }

    /// <inheritdoc />
    public long Length => Interlocked.Read(ref _length);

    /// <inheritdoc />
    public long WriteFailures => Interlocked.Read(ref _writeFailures);

    /// <summary>
    /// Opens the store in <paramref name="options"/>' schema, creating the tables when missing, and reads the vector.
    /// The first opener records <paramref name="nodeId"/> as the schema's node; opening it as another node is refused,
    /// since every process of one hub must mint its local events under one identity.
    /// </summary>
    internal static async Task<PostgresEventStore> OpenAsync(NpgsqlDataSource dataSource, NodeId nodeId, PostgresStoreOptions? options = null,
        Action<CommittedBatch>? onCommitted = null, bool ownsDataSource = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        if (nodeId.IsEmpty) throw new ArgumentException("A store needs a non-zero node id.", nameof(nodeId));
        options ??= new PostgresStoreOptions();
        await PostgresSchema.EnsureCreatedAsync(dataSource, options, cancellationToken).ConfigureAwait(false);
        var store = new PostgresEventStore(dataSource, ownsDataSource, nodeId, options, onCommitted);
        try
        {
            await store.ClaimNodeAsync(cancellationToken).ConfigureAwait(false);
            // What is committed at open is the engine's starting point (it folds it from the store), not news to publish.
            var rows = await store.ReadOriginsAsync(cancellationToken).ConfigureAwait(false);
            store.Remember(rows);
            await store.ReadBaseAsync(cancellationToken).ConfigureAwait(false);
            store.ClockAtOpen = store.ReadClock();
            long events = rows.Sum(r => (long)(r.Row.Held - r.Row.Floor));
            store.Recovery = new WalRecoveryReport(events, -1, 0);
            return store;
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public VersionVector Known
    {
        get
        {
            var known = new VersionVector();
            // Durable only, as the embedded log: a peer told we hold a queued event would never be sent it again if
            // its write failed.
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

    /// <inheritdoc />
    public ulong HighestSequence(NodeId origin)
    {
        lock (_viewGate) return HighestLocked(origin);
    }

    /// <inheritdoc />
    public ulong Floor(NodeId origin)
    {
        lock (_viewGate) return _view.TryGetValue(origin, out var row) ? row.Floor : 0;
    }

    /// <inheritdoc />
    public Hlc HighStamp(NodeId origin)
    {
        lock (_viewGate)
        {
            var high = _view.TryGetValue(origin, out var row) ? row.High : Hlc.Zero;
            return _queuedStamp.TryGetValue(origin, out var queued) && queued > high ? queued : high;
        }
    }

    /// <summary>
    /// Learns what the other processes of the hub appended and compacted: their new events are published to the
    /// engine (in chunks, origin by origin) before this returns, and the view never moves backwards.
    /// </summary>
    public async ValueTask RefreshAsync(CancellationToken cancellationToken = default)
    {
        await _commitGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var rows = await ReadOriginsAsync(cancellationToken).ConfigureAwait(false);
            await CatchUpAsync(rows.ToDictionary(r => r.Origin, r => r.Row), cancellationToken).ConfigureAwait(false);
            Remember(rows);
            await ReadBaseAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _commitGate.Release();
        }
    }

    /// <inheritdoc />
    public async Task StopAsync()
    {
        lock (_viewGate) _stopped = true;
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        if (_ownsDataSource) await _dataSource.DisposeAsync().ConfigureAwait(false);
    }

    private ulong HighestLocked(NodeId origin)
    {
        ulong held = _view.TryGetValue(origin, out var row) ? row.Held : 0;
        return _queuedHigh.TryGetValue(origin, out var queued) ? Math.Max(held, queued) : held;
    }

    private StoreClockReading ReadClock()
    {
        lock (_viewGate)
        {
            var own = _view.TryGetValue(NodeId, out var mine) ? mine.High : Hlc.Zero;
            if (_baseClock > own) own = _baseClock;
            var highest = own;
            foreach (var row in _view.Values) if (row.High > highest) highest = row.High;
            return new StoreClockReading(own, highest);
        }
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

    private async Task<List<(NodeId Origin, OriginRow Row)>> ReadOriginsAsync(CancellationToken cancellationToken)
    {
        var rows = new List<(NodeId, OriginRow)>();
        await using (var command = _dataSource.CreateCommand($"SELECT origin, held, floor, high_physical, high_logical FROM {_s}.origins"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                rows.Add((NodeFromSql(reader.GetInt64(0)), ReadOriginRow(reader, 1)));
        }
        return rows;
    }

    private static OriginRow ReadOriginRow(NpgsqlDataReader reader, int first) => new(
        FromSql(reader.GetInt64(first)),
        FromSql(reader.GetInt64(first + 1)),
        new Hlc(reader.GetInt64(first + 2), checked((uint)reader.GetInt64(first + 3))));

    /// <summary>Merges rows into the published view; a row only grows. A floor that rises is a compaction (this process's or another's).</summary>
    private void Remember(IEnumerable<(NodeId Origin, OriginRow Row)> rows)
    {
        lock (_viewGate)
        {
            foreach (var (origin, row) in rows)
            {
                if (_view.TryGetValue(origin, out var seen))
                {
                    if (row.Floor > seen.Floor) _compactions++;
                    _view[origin] = new OriginRow(Math.Max(seen.Held, row.Held), Math.Max(seen.Floor, row.Floor), seen.High > row.High ? seen.High : row.High);
                }
                else
                {
                    if (row.Floor > 0) _compactions++;
                    _view[origin] = row;
                }
            }
        }
    }
}

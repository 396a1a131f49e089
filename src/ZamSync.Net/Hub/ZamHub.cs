using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ZamSync.Net.Tcp;
using ZamSync.Sync;

namespace ZamSync.Net.Hub;

/// <summary>
/// Serves many peers at once on one engine — the single writer of the hub's directory. Accepting never
/// waits on a peer; at most <see cref="ZamHubOptions.MaxConcurrentSessions"/> sessions run at a time; each has
/// its deadlines; <see cref="StopAsync"/> lets running sessions finish within a grace period, then cancels them
/// (a cancelled session loses nothing: only what was durably received is acknowledged).
/// </summary>
public sealed partial class ZamHub : IAsyncDisposable
{
    private readonly ZamEngine _engine;
    private readonly ZamHubOptions _options;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _stopAccepting = new();
    private readonly CancellationTokenSource _abortSessions = new();
    private readonly ConcurrentDictionary<NodeId, PeerStatus> _peers = new();
    private readonly ConcurrentDictionary<Task, bool> _running = new();
    private TcpTransport? _listener;
    private Task? _acceptLoop;
    private int _stopped;

    public ZamHub(ZamEngine engine, ZamHubOptions? options = null, ILogger<ZamHub>? logger = null, TimeProvider? time = null)
    {
        _engine = engine ?? throw new ArgumentNullException(nameof(engine));
        _options = options ?? new ZamHubOptions();
        _options.Validate();
        // Without a logger of its own the hub logs where its engine does (ZamEngineOptions.LoggerFactory).
        _log = (ILogger?)logger ?? engine.Loggers.Factory.CreateLogger<ZamHub>();
        _time = time ?? TimeProvider.System;
        _slots = new SemaphoreSlim(_options.MaxConcurrentSessions, _options.MaxConcurrentSessions);
    }

    /// <summary>Where the hub listens, once started.</summary>
    public IPEndPoint LocalEndPoint => _listener?.LocalEndPoint ?? throw new InvalidOperationException("The hub is not started.");

    /// <summary>Sessions running now.</summary>
    public int ActiveSessions => _running.Count;

    /// <summary>Per-peer session history.</summary>
    public IReadOnlyDictionary<NodeId, PeerStatus> Peers => _peers;

    /// <summary>Raised after every session, successful or not, with the peer's updated status.</summary>
    public event Action<PeerStatus>? SessionEnded;

    /// <summary>Connections refused before a session (silent, hostile, wrong certificate).</summary>
    public long RejectedConnections => _listener?.RejectedConnections ?? 0;

    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_listener is not null) throw new InvalidOperationException("The hub is already started.");
        var transport = _options.Transport with { Logger = _options.Transport.Logger ?? _log, Metrics = _options.Transport.Metrics ?? _engine.Metrics };
        _listener = TcpTransport.Bind(_options.Listen, transport);
        LogListening(_log, _engine.NodeId, _listener.LocalEndPoint, _options.Transport.Tls is not null);
        _acceptLoop = Task.Run(AcceptLoopAsync);
        return Task.CompletedTask;
    }

    private async Task AcceptLoopAsync()
    {
        var token = _stopAccepting.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                // Backpressure: take a slot before taking a connection.
                await _slots.WaitAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            TcpPeerTransport peer;
            try
            {
                peer = await _listener!.AcceptSplitAsync(token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                _slots.Release();
                break;
            }
            var session = ServeAsync(peer);
            _running[session] = true;
            _ = session.ContinueWith(t => _running.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(TcpPeerTransport peer)
    {
        await Task.Yield(); // off the accept loop at once
        try
        {
            await ServeSessionAsync(peer, peer.PeerId, _abortSessions.Token).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>
    /// Serves one session from <paramref name="provenPeer"/> over a connection another listener accepted (the
    /// WebSocket endpoint of the hub's web host), with this hub's access policy, session options and byte cap, and
    /// records it in <see cref="Peers"/> like a TCP session. The caller has proven who the peer is (a client
    /// certificate, or a token bound to a node id); the session refuses a handshake that names another node. Waits
    /// for a session slot first, as the TCP listener does, so both kinds share the hub's bound.
    /// </summary>
    public async Task ServeAsync(ISyncTransport transport, NodeId provenPeer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transport);
        if (provenPeer.IsEmpty) throw new ArgumentException("The peer needs a proven, non-zero id.", nameof(provenPeer));
        if (_listener is null) throw new InvalidOperationException("The hub is not started.");
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _abortSessions.Token);
        await _slots.WaitAsync(linked.Token).ConfigureAwait(false);
        var run = ServeSessionAsync(transport, provenPeer, linked.Token);
        _running[run] = true;
        try
        {
            await run.ConfigureAwait(false);
        }
        finally
        {
            _running.TryRemove(run, out _);
            _slots.Release();
        }
    }

    /// <summary>
    /// Serves one session over a WebSocket the hub's web host accepted (<c>MapZamSyncWebSocket</c>), with the hub's
    /// frame limits: see <see cref="ServeAsync(ISyncTransport, NodeId, CancellationToken)"/>.
    /// </summary>
    public Task ServeWebSocketAsync(System.Net.WebSockets.WebSocket socket, NodeId provenPeer, CancellationToken cancellationToken = default) =>
        ServeAsync(WebSockets.WebSocketTransport.Accept(socket, _options.Transport.Frames), provenPeer, cancellationToken);

    private async Task ServeSessionAsync(ISyncTransport peer, NodeId id, CancellationToken cancellationToken)
    {
        try
        {
            await using (peer)
            {
                var session = _engine.CreateSession(peer).WithAccessPolicy(_options.AccessPolicy).WithOptions(_options.Session);
                if (_options.MaxBytesPerSession is { } cap) session.WithMaxBytes(cap);
                var stats = await session.ServeOneAsync(id, cancellationToken).ConfigureAwait(false);
                // A probe (zamsync ping) is no sync of that peer: its history and "last success" stay as they were.
                if (stats.Probe) return;
                Record(id, stats, null, peer);
                if (!EngineLogsSessions(LogLevel.Information))
                    LogServed(_log, id, stats.EventsReceived, stats.EventsSent, stats.BytesReceived, stats.BytesSent, stats.BudgetExhausted);
            }
        }
        catch (Exception ex) when (ex is IOException or ZamException or OperationCanceledException)
        {
            Record(id, null, ex, peer);
            if (!EngineLogsSessions(LogLevel.Warning)) LogFailed(_log, id, ex.Message);
        }
        catch (Exception ex)
        {
            // A bug must not take the hub down with it; it is logged loudly and the peer can retry.
            Record(id, null, ex, peer);
            LogCrashed(_log, ex, id);
        }
    }

    /// <summary>
    /// Whether the engine already logs each session's outcome at <paramref name="level"/> (event ids 400 and 401 of
    /// <c>ZamSync.Sync</c>): then the hub's own session lines would say the same thing twice on one console.
    /// </summary>
    private bool EngineLogsSessions(LogLevel level) => _engine.Loggers.Sync.IsEnabled(level);

    /// <summary>
    /// Counts a session in the peer's status. A failed session has no stats, but the bytes it moved before it failed
    /// still crossed the link (on 2G, paid for), so they come from the connection's own counters.
    /// </summary>
    private void Record(NodeId peer, SyncStats? stats, Exception? error, ISyncTransport connection)
    {
        var now = _time.GetUtcNow();
        var status = _peers.AddOrUpdate(peer,
            _ => Next(new PeerStatus(peer, 0, 0, null, null, null, 0, 0, 0, 0)),
            (_, current) => Next(current));
        SessionEnded?.Invoke(status);

        PeerStatus Next(PeerStatus s) => stats is not null
            ? s with
            {
                Sessions = s.Sessions + 1, LastSuccess = now,
                BytesSent = s.BytesSent + stats.BytesSent, BytesReceived = s.BytesReceived + stats.BytesReceived,
                EventsSent = s.EventsSent + stats.EventsSent, EventsReceived = s.EventsReceived + stats.EventsReceived,
            }
            : s with
            {
                Sessions = s.Sessions + 1, Failures = s.Failures + 1, LastFailure = now, LastError = error?.Message,
                BytesSent = s.BytesSent + connection.BytesSent, BytesReceived = s.BytesReceived + connection.BytesReceived,
            };
    }

    /// <summary>
    /// Stops accepting, lets running sessions finish until the grace period (or <paramref name="cancellationToken"/>)
    /// ends, then cancels the rest and waits for them to unwind.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        _stopAccepting.Cancel();
        if (_listener is not null) await _listener.DisposeAsync().ConfigureAwait(false);
        if (_acceptLoop is not null) await _acceptLoop.ConfigureAwait(false);

        using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        grace.CancelAfter(_options.ShutdownGracePeriod);
        var running = Task.WhenAll(_running.Keys);
        try
        {
            await running.WaitAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            LogAborting(_log, _running.Count);
            _abortSessions.Cancel();
            await running.ConfigureAwait(false);
        }
        LogStopped(_log, _engine.NodeId);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopAccepting.Dispose();
        _abortSessions.Dispose();
        _slots.Dispose();
    }

    [LoggerMessage(1, LogLevel.Information, "Hub {Hub} listening on {EndPoint} (TLS: {Tls})")]
    private static partial void LogListening(ILogger logger, NodeId hub, IPEndPoint endPoint, bool tls);

    [LoggerMessage(2, LogLevel.Information, "Synced with {Peer}: received {Received} events, sent {Sent} ({BytesIn} B in, {BytesOut} B out, budget exhausted: {Exhausted})")]
    private static partial void LogServed(ILogger logger, NodeId peer, int received, int sent, long bytesIn, long bytesOut, bool exhausted);

    [LoggerMessage(3, LogLevel.Warning, "Session with {Peer} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, NodeId peer, string reason);

    [LoggerMessage(4, LogLevel.Error, "Session with {Peer} crashed")]
    private static partial void LogCrashed(ILogger logger, Exception exception, NodeId peer);

    [LoggerMessage(5, LogLevel.Warning, "Shutdown grace period over: cancelling {Count} running sessions")]
    private static partial void LogAborting(ILogger logger, int count);

    [LoggerMessage(6, LogLevel.Information, "Hub {Hub} stopped")]
    private static partial void LogStopped(ILogger logger, NodeId hub);
}

using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using ZamSync.Net.Tls;
using ZamSync.Sync;

namespace ZamSync.Net.Tcp;

/// <summary>
/// A listening TCP endpoint. Accepting runs in the background from <see cref="Bind"/> on: each connection gets
/// its own task that reads the first handshake under <see cref="TcpTransportOptions.FirstMessageTimeout"/>, so a
/// slow or silent client never stalls anyone else's accept. <see cref="AcceptSplitAsync"/> hands out connections
/// whose handshake has arrived. Handshakes in progress are bounded in total and, once past half that bound, per
/// remote address, with a shorter deadline for addresses not seen to complete one (see <see cref="HandshakeAdmission"/>),
/// so a flood of silent connections from one client cannot hold every slot.
/// </summary>
public sealed partial class TcpTransport : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly TcpTransportOptions _options;
    private readonly Channel<TcpPeerTransport> _ready;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private readonly SemaphoreSlim _pending;
    private readonly HandshakeAdmission _admission;
    private long _rejected;

    private TcpTransport(Socket listener, TcpTransportOptions options)
    {
        _listener = listener;
        _options = options;
        _ready = Channel.CreateBounded<TcpPeerTransport>(new BoundedChannelOptions(options.AcceptQueue) { SingleReader = false });
        _pending = new SemaphoreSlim(options.MaxPendingConnections);
        _admission = new HandshakeAdmission(options);
        LocalEndPoint = (IPEndPoint)listener.LocalEndPoint!;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Connections closed before they could be handed out (silent, malformed, not a handshake, over the per-address bound).</summary>
    public long RejectedConnections => Interlocked.Read(ref _rejected);

    /// <summary>Listens on <paramref name="endpoint"/> (<c>"127.0.0.1:0"</c> picks a free port).</summary>
    public static TcpTransport Bind(string endpoint, TcpTransportOptions? options = null)
    {
        var address = Endpoints.ParseListen(endpoint);
        options ??= new TcpTransportOptions();
        options.Validate();
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(address);
            listener.Listen(512);
            return new TcpTransport(listener, options);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    /// <summary>The next connection whose first handshake has arrived.</summary>
    public async ValueTask<TcpPeerTransport> AcceptSplitAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _ready.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException ex)
        {
            throw new ObjectDisposedException($"The TCP transport on {LocalEndPoint} is closed.", ex);
        }
    }

    /// <summary>Connects to <paramref name="hostAndPort"/>, expecting node <paramref name="peerId"/> to answer.</summary>
    public static async Task<TcpPeerTransport> ConnectAsync(NodeId peerId, string hostAndPort, TcpTransportOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new TcpTransportOptions();
        var (host, port) = Endpoints.ParseConnect(hostAndPort);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.ConnectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            Configure(socket, options);
            try
            {
                await socket.ConnectAsync(host, port, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new SyncTimeoutException($"Connecting to {hostAndPort} took longer than {options.ConnectTimeout}.", ex);
            }
            Stream stream = new NetworkStream(socket, ownsSocket: true);
            bool proven = false;
            if (options.Tls is { } tls)
            {
                stream = await TlsHandshake.AsClientAsync(stream, tls, peerId, cancellationToken).ConfigureAwait(false);
                proven = true;
            }
            return new TcpPeerTransport(peerId, stream, socket.RemoteEndPoint, options.Frames) { IdentityProven = proven };
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    internal static void Configure(Socket socket, TcpTransportOptions options)
    {
        // Without NoDelay every small control message waits for Nagle and the peer's delayed ACK (~40 ms each).
        socket.NoDelay = true;
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        int idle = Math.Max(1, (int)options.KeepAliveIdle.TotalSeconds);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, idle);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, Math.Max(1, idle / 4));
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 4);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                // A slot first: past MaxPendingConnections, connections wait in the kernel's backlog.
                await _pending.WaitAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException && _stop.IsCancellationRequested)
            {
                break;
            }
            catch (SocketException)
            {
                _pending.Release();
                continue; // a connection reset before we took it: nothing to do
            }
            EndPoint? remote = null;
            try
            {
                remote = socket.RemoteEndPoint;
            }
            catch (SocketException)
            {
                // reset already: the hand-off fails on it and counts it as io
            }
            var key = HandshakeAdmission.KeyOf(remote);
            if (_admission.TryEnter(key, out int inAddress, out bool firstRefusal) is not { } deadline)
            {
                // Refused here, on the accept loop, so a flood from one address drains from the backlog at the
                // speed of accept and close, and the connections behind it get their turn. Logged once a flood.
                Reject(remote, "address_limit", firstRefusal,
                    $"{inAddress} connections from {key} are already in their handshake and the listener is past half of its {_options.MaxPendingConnections}; further refusals from this address are logged at debug level only, until its handshakes end",
                    "nothing (refused on accept)");
                socket.Dispose();
                _pending.Release();
                continue;
            }
            _ = HandOffAsync(socket, remote, key, deadline);
        }
        _ready.Writer.TryComplete();
    }

    private async Task HandOffAsync(Socket socket, EndPoint? remote, System.Net.IPAddress? key, TimeSpan timeout)
    {
        TcpPeerTransport? peer = null;
        bool handedOff = false, admitted = true;
        // Who the connection claimed to be, for the refusal's log line: its certificate, then its handshake.
        PeerCertificateValidator? validator = null;
        string? claimed = null;
        try
        {
            Configure(socket, _options);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            deadline.CancelAfter(timeout);
            Stream stream = new NetworkStream(socket, ownsSocket: true);
            NodeId? proven = null;
            if (_options.Tls is { } tls)
            {
                // The server closes on any refusal: with TLS 1.3 a client learns of a rejected certificate only
                // when its connection closes.
                validator = new PeerCertificateValidator(tls);
                (stream, proven) = await TlsHandshake.AsServerAsync(stream, tls, deadline.Token, validator).ConfigureAwait(false);
                claimed = $"node {proven} (proven by its certificate)";
            }
            peer = new TcpPeerTransport(default, stream, remote, _options.Frames);
            var first = await peer.PeekFirstAsync(deadline.Token).ConfigureAwait(false);
            if (first is not { } bytes || SyncMessageCodec.Read(bytes) is not HandshakeMessage hello)
                throw new SyncProtocolException("The first message of a connection must be a handshake.");
            claimed = proven is { } node && hello.NodeId == node ? claimed : $"node {hello.NodeId} in its handshake" + (proven is { } c ? $", with the certificate of node {c}" : "");
            if (proven is { } certified && hello.NodeId != certified)
            {
                await RefuseAsync(peer, $"the handshake claims node {hello.NodeId} but the certificate is for node {certified}", deadline.Token).ConfigureAwait(false);
                throw new SyncRefusedException($"A peer with the certificate of node {certified} claimed to be node {hello.NodeId}.", RefuseReason.WrongNode);
            }
            peer.PeerId = hello.NodeId;
            peer.IdentityProven = proven is not null;
            // The handshake is done: its slot in the bounds is free, and the address is a known peer from now on.
            admitted = false;
            _admission.Leave(key, succeeded: true);
            await _ready.Writer.WriteAsync(peer, _stop.Token).ConfigureAwait(false);
            handedOff = true;
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ZamException or ChannelClosedException or System.Security.Authentication.AuthenticationException)
        {
            if (_stop.IsCancellationRequested) return; // shutting down, not a refusal
            string reason = ex switch
            {
                OperationCanceledException => "timeout",
                SyncRefusedException { Reason: RefuseReason.CertificateRefused } => "tls",
                SyncRefusedException => "identity",
                SyncProtocolException => "protocol",
                _ => "io",
            };
            string detail = ex is OperationCanceledException && timeout != _options.FirstMessageTimeout
                ? $"{ex.Message} (the deadline was shortened to {timeout}: the listener was past half of its {_options.MaxPendingConnections} handshakes)"
                : ex.Message;
            claimed ??= validator?.LastClaim ?? "nothing yet (refused before its handshake)";
            Reject(remote, reason, warn: true, detail, claimed);
        }
        finally
        {
            if (admitted) _admission.Leave(key, succeeded: false);
            if (!handedOff)
            {
                if (peer is not null) await peer.DisposeAsync().ConfigureAwait(false);
                else socket.Dispose();
            }
            _pending.Release();
        }
    }

    /// <summary>
    /// Counts a refused connection (before it is closed, so whoever sees the close sees the count) and logs it: one
    /// warning a connection, except the repeats of a per-address flood (<paramref name="warn"/> false), which go to
    /// debug so a flood cannot flood the log too.
    /// </summary>
    private void Reject(EndPoint? remote, string reason, bool warn, string detail, string claimed)
    {
        Interlocked.Increment(ref _rejected);
        _options.Metrics?.ConnectionsRejected.Add(1, new KeyValuePair<string, object?>("reason", reason));
        if (_options.Logger is not { } logger) return;
        if (warn) LogRejected(logger, remote, reason, claimed, detail);
        else LogRejectedRepeat(logger, remote, reason, claimed, detail);
    }

    [Microsoft.Extensions.Logging.LoggerMessage(10, Microsoft.Extensions.Logging.LogLevel.Warning, "Refused connection from {Remote} ({Reason}), claiming {Claimed}: {Detail}")]
    private static partial void LogRejected(Microsoft.Extensions.Logging.ILogger logger, EndPoint? remote, string reason, string claimed, string detail);

    [Microsoft.Extensions.Logging.LoggerMessage(11, Microsoft.Extensions.Logging.LogLevel.Debug, "Refused connection from {Remote} ({Reason}), claiming {Claimed}: {Detail}")]
    private static partial void LogRejectedRepeat(Microsoft.Extensions.Logging.ILogger logger, EndPoint? remote, string reason, string claimed, string detail);

    private static async Task RefuseAsync(TcpPeerTransport peer, string why, CancellationToken cancellationToken)
    {
        try
        {
            await peer.SendAsync(SyncMessageCodec.ToBytes(new RefuseMessage(RefuseReason.WrongNode, why)), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            // A courtesy only: the connection closes either way.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        while (_ready.Reader.TryRead(out var waiting)) await waiting.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}

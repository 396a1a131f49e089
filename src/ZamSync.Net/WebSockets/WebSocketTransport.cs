using System.Net;
using System.Net.WebSockets;
using ZamSync.Net.Framing;
using ZamSync.Net.Tls;
using ZamSync.Sync;

namespace ZamSync.Net.WebSockets;

/// <summary>
/// A sync session over a WebSocket, for clinics behind proxies and captive portals that pass only HTTP(S). Each sync
/// message travels as one ZamSync frame (the same format, checksum and limits as over TCP) in one binary WebSocket
/// message, so nothing about a session changes but the outer envelope. The hub's side is
/// <c>app.MapZamSyncWebSocket("/sync")</c> in ZamSync.AspNetCore; a node connects with <see cref="ConnectAsync"/>.
/// </summary>
public sealed class WebSocketTransport : ISyncTransport
{
    /// <summary>The most a WebSocket frame header takes: 2 bytes, an 8-byte extended length, a 4-byte client mask.</summary>
    public const int MaxHeaderBytes = 14;

    private readonly WebSocket _socket;
    private readonly FramedStreamTransport _frames;
    private readonly bool _isClient;
    private long _headerBytes;
    private int _disposed;

    private WebSocketTransport(WebSocket socket, FrameOptions? frames, bool isClient)
    {
        _socket = socket;
        _isClient = isClient;
        // One write, one WebSocket message: FramedStreamTransport writes each frame with a single call.
        _frames = new FramedStreamTransport(WebSocketStream.Create(socket, WebSocketMessageType.Binary, ownsWebSocket: true), frames);
    }

    /// <summary>The hub's side: a WebSocket the web host accepted from a peer whose identity it has proven.</summary>
    public static WebSocketTransport Accept(WebSocket socket, FrameOptions? frames = null)
    {
        ArgumentNullException.ThrowIfNull(socket);
        return new WebSocketTransport(socket, frames, isClient: false);
    }

    /// <summary>
    /// Opens a WebSocket to <paramref name="hub"/> (a <c>wss://</c> address; plain <c>ws://</c> is refused, since
    /// nothing would prove the hub's identity or hide the token), expecting hub <paramref name="expectedHub"/> to answer.
    /// </summary>
    /// <exception cref="SyncRefusedException">The hub's certificate is not the expected hub's, or the hub refused the credential (401/403).</exception>
    /// <exception cref="SyncTimeoutException">Connecting took longer than <see cref="WebSocketTransportOptions.ConnectTimeout"/>.</exception>
    /// <exception cref="SyncDisconnectedException">The connection or the upgrade failed otherwise.</exception>
    public static async Task<WebSocketTransport> ConnectAsync(Uri hub, NodeId expectedHub, WebSocketTransportOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hub);
        ArgumentNullException.ThrowIfNull(options);
        if (!string.Equals(hub.Scheme, "wss", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"'{hub}' is not a wss:// address: sync over WebSocket needs TLS to prove the hub and protect the credential.", nameof(hub));
        if (options.Tls is null && options.Token is null)
            throw new ArgumentException("A WebSocket sync needs a client certificate (Tls) or a token to prove the node's id.", nameof(options));
        var authority = options.Tls?.Authority ?? options.Authority
            ?? throw new ArgumentException("A token-only WebSocket sync needs the deployment CA (Authority) to check the hub.", nameof(options));
        var validator = options.Tls is { } tls ? new PeerCertificateValidator(tls) : new PeerCertificateValidator(authority, options.RevokedSerials, TimeProvider.System);

        var socket = new ClientWebSocket();
        try
        {
            socket.Options.KeepAliveInterval = options.KeepAliveInterval;
            socket.Options.CollectHttpResponseDetails = true;
            if (options.Tls is { } own) socket.Options.ClientCertificates.Add(own.Certificate);
            if (options.Token is { } token) socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
            string? mismatch = null;
            socket.Options.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                if (validator.Validate(certificate, asHub: true) is not { } identity) return false;
                if (identity.Node == expectedHub) return true;
                mismatch = $"expected hub {expectedHub}, but the certificate is for node {identity.Node}";
                return false;
            };
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(options.ConnectTimeout);
            try
            {
                await socket.ConnectAsync(hub, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new SyncTimeoutException($"Opening a WebSocket to {hub} took longer than {options.ConnectTimeout}.", ex);
            }
            catch (WebSocketException) when (mismatch is not null || validator.LastRefusal is not null)
            {
                throw new SyncRefusedException($"TLS handshake with {hub} refused: {mismatch ?? validator.LastRefusal}.", RefuseReason.CertificateRefused);
            }
            catch (WebSocketException) when (socket.HttpStatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                throw new SyncRefusedException($"The hub at {hub} refused this node's credential (HTTP {(int)socket.HttpStatusCode}).", RefuseReason.NotAllowed);
            }
            catch (WebSocketException ex)
            {
                string status = socket.HttpStatusCode == 0 ? "" : $" (HTTP {(int)socket.HttpStatusCode})";
                throw new SyncDisconnectedException($"Could not open a WebSocket to {hub}{status}: {ex.Message}", ex);
            }
            return new WebSocketTransport(socket, options.Frames, isClient: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The ZamSync frame header and the largest WebSocket header, so a session's byte budget stays a hard cap.</summary>
    public int FrameOverhead => _frames.FrameOverhead + MaxHeaderBytes;

    /// <summary>Frame bytes sent and the WebSocket headers of the messages that carried them.</summary>
    public long BytesSent => _frames.BytesSent + Interlocked.Read(ref _headerBytes);

    /// <summary>Frame bytes received (the WebSocket headers of received messages, 2 to 14 bytes each, are not visible here).</summary>
    public long BytesReceived => _frames.BytesReceived;

    public async ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        long before = _frames.BytesSent;
        try
        {
            await _frames.SendAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (WebSocketException ex)
        {
            throw new SyncDisconnectedException($"The WebSocket closed while sending: {ex.Message}", ex);
        }
        Interlocked.Add(ref _headerBytes, HeaderBytes(_frames.BytesSent - before));
    }

    public async ValueTask<ReadOnlyMemory<byte>?> ReceiveAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _frames.ReceiveAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (WebSocketException ex)
        {
            throw new SyncDisconnectedException($"The WebSocket closed while receiving: {ex.Message}", ex);
        }
    }

    private long HeaderBytes(long payload) => 2 + (payload <= 125 ? 0 : payload <= ushort.MaxValue ? 2 : 8) + (_isClient ? 4 : 0);

    /// <summary>Closes in an orderly way when it can (the peer then reads the end of the session, not an abort).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, grace.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
            {
                // The peer is gone already; disposing below aborts what is left.
            }
        }
        await _frames.DisposeAsync().ConfigureAwait(false);
    }
}

using ZamSync.Net.Tcp;
using ZamSync.Net.WebSockets;

namespace ZamSync.Net;

/// <summary>
/// Opens a sync connection to a hub by its address as an operator writes it: <c>host:port</c> for TCP (mutual TLS
/// when <see cref="TcpTransportOptions.Tls"/> is set), or a <c>wss://host[:port]/path</c> URL for the hub's WebSocket
/// endpoint (the same certificate, limits and connect timeout). One place decides, so every command and the node
/// service accept both.
/// </summary>
public static class HubConnector
{
    /// <summary>Whether <paramref name="address"/> names a WebSocket endpoint rather than a TCP one.</summary>
    public static bool IsWebSocket(string address) =>
        address.StartsWith("wss://", StringComparison.OrdinalIgnoreCase) || address.StartsWith("ws://", StringComparison.OrdinalIgnoreCase);

    /// <summary>Connects to <paramref name="address"/>, expecting hub <paramref name="hub"/> to answer.</summary>
    public static async Task<ISyncTransport> ConnectAsync(NodeId hub, string address, TcpTransportOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(options);
        if (!IsWebSocket(address)) return await TcpTransport.ConnectAsync(hub, address, options, cancellationToken).ConfigureAwait(false);
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri))
            throw new ArgumentException($"'{address}' is not a WebSocket address (wss://host:port/path).", nameof(address));
        if (options.Tls is null)
            throw new ArgumentException($"'{address}': a WebSocket sync proves the node with its certificate, and none is configured.", nameof(options));
        return await WebSocketTransport.ConnectAsync(uri, hub, new WebSocketTransportOptions
        {
            Tls = options.Tls,
            Frames = options.Frames,
            ConnectTimeout = options.ConnectTimeout,
        }, cancellationToken).ConfigureAwait(false);
    }
}

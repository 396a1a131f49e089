using System.Security.Cryptography.X509Certificates;
using ZamSync.Net.Framing;
using ZamSync.Net.Tls;

namespace ZamSync.Net.WebSockets;

/// <summary>
/// How a node reaches a hub's <c>wss://</c> sync endpoint: who it is (a client certificate, or a token bound to its
/// node id) and how it knows the hub (the deployment CA: the hub's certificate must name the hub it expects).
/// </summary>
public sealed record WebSocketTransportOptions
{
    /// <summary>The node's certificate and the deployment CA, as for TCP: the certificate proves the node's id.</summary>
    public TlsOptions? Tls { get; init; }

    /// <summary>A bearer token from the hub's token file, bound there to this node's id; sent on the upgrade request.</summary>
    public string? Token { get; init; }

    /// <summary>The deployment CA, when <see cref="Tls"/> is not given (a token-only node): the hub is checked against it alone.</summary>
    public X509Certificate2? Authority { get; init; }

    /// <summary>Revoked serials, when <see cref="Tls"/> is not given.</summary>
    public IReadOnlySet<string> RevokedSerials { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Frame limits, the same as the TCP transport's.</summary>
    public FrameOptions Frames { get; init; } = new();

    /// <summary>How long the TCP connect, TLS handshake and HTTP upgrade may take together (30 s by default).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>WebSocket pings, so proxies that drop idle connections keep this one (30 s by default).</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(30);
}

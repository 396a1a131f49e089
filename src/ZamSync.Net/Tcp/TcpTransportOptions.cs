using Microsoft.Extensions.Logging;
using ZamSync.Diagnostics;
using ZamSync.Net.Framing;
using ZamSync.Net.Tls;

namespace ZamSync.Net.Tcp;

/// <summary>Socket-level settings of the TCP transport.</summary>
public sealed record TcpTransportOptions
{
    public FrameOptions Frames { get; init; } = new();

    /// <summary>Mutual TLS; null for plain TCP (a trusted network or tests only).</summary>
    public TlsOptions? Tls { get; init; }

    /// <summary>
    /// How long an accepted connection may take to send its first handshake (10 s by default). On a listener it also
    /// bounds the TLS handshake, which comes first; <see cref="TlsOptions.HandshakeTimeout"/> applies to connecting.
    /// </summary>
    public TimeSpan FirstMessageTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a connect may take (30 s by default: satellite links are slow to answer).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Accepted connections whose handshake arrived, waiting for <c>AcceptSplitAsync</c> (64 by default).</summary>
    public int AcceptQueue { get; init; } = 64;

    /// <summary>
    /// Accepted connections still in their TLS handshake or waiting for room in the <see cref="AcceptQueue"/>
    /// (64 by default). Beyond it the listener accepts nothing more until one finishes: new connections wait in the
    /// kernel's backlog, so a flood of connections costs sockets there, not memory here.
    /// </summary>
    public int MaxPendingConnections { get; init; } = 64;

    /// <summary>Where refused connections are logged (optional).</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Where refused connections are counted (<c>zamsync.connections.rejected</c>; optional).</summary>
    public ZamMetrics? Metrics { get; init; }

    /// <summary>TCP keepalive idle time, so a half-open 2G connection is noticed (60 s by default).</summary>
    public TimeSpan KeepAliveIdle { get; init; } = TimeSpan.FromSeconds(60);
}

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

    /// <summary>
    /// Connections from one remote address (an IPv6 /64 counts as one) allowed in their TLS handshake or first read
    /// once more than half of <see cref="MaxPendingConnections"/> are (8 by default). Past it, a new connection from
    /// that address is closed at once and counted with reason <c>address_limit</c>, so one client's silent sockets
    /// cannot take every handshake slot. Below half the bound no connection is refused for its address: a burst of
    /// clinics behind one NAT is not turned away from a quiet hub.
    /// </summary>
    public int MaxPendingConnectionsPerAddress { get; init; } = 8;

    /// <summary>
    /// The deadline instead of <see cref="FirstMessageTimeout"/> for a connection accepted while more than half of
    /// <see cref="MaxPendingConnections"/> are in their handshake (3 s by default; never longer than
    /// <see cref="FirstMessageTimeout"/>), so silent connections give their slots back sooner under a flood.
    /// Addresses that recently completed a handshake (known peers, perhaps on a slow link) keep the full deadline.
    /// </summary>
    public TimeSpan FirstMessageTimeoutUnderPressure { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Where refused connections are logged (optional).</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Where refused connections are counted (<c>zamsync.connections.rejected</c>; optional).</summary>
    public ZamMetrics? Metrics { get; init; }

    /// <summary>TCP keepalive idle time, so a half-open 2G connection is noticed (60 s by default).</summary>
    public TimeSpan KeepAliveIdle { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Checks what a listener needs (<see cref="TcpTransport.Bind"/> and the hub call it).</summary>
    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Frames);
        ArgumentOutOfRangeException.ThrowIfLessThan(AcceptQueue, 1, nameof(AcceptQueue));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPendingConnections, 1, nameof(MaxPendingConnections));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPendingConnectionsPerAddress, 1, nameof(MaxPendingConnectionsPerAddress));
        if (FirstMessageTimeout <= TimeSpan.Zero && FirstMessageTimeout != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(FirstMessageTimeout), FirstMessageTimeout, "FirstMessageTimeout must be positive (or Timeout.InfiniteTimeSpan).");
        if (FirstMessageTimeoutUnderPressure <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(FirstMessageTimeoutUnderPressure), FirstMessageTimeoutUnderPressure, "FirstMessageTimeoutUnderPressure must be positive: under a flood, silent connections must give their slots back.");
    }
}

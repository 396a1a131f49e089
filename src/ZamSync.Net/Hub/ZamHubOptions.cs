using ZamSync.Net.Tcp;
using ZamSync.Sync;

namespace ZamSync.Net.Hub;

/// <summary>How a hub listens and serves.</summary>
public sealed record ZamHubOptions
{
    /// <summary>Where to listen (<c>0.0.0.0:7000</c> by default; <c>127.0.0.1:0</c> picks a free port).</summary>
    public string Listen { get; init; } = "0.0.0.0:7000";

    /// <summary>Sockets, framing and (for production) mutual TLS.</summary>
    public TcpTransportOptions Transport { get; init; } = new();

    /// <summary>
    /// Sessions served at once (64 by default). Beyond it the hub stops taking connections: they wait in the
    /// listener's queue and the kernel's backlog, so a burst of clinics slows down instead of exhausting the hub.
    /// </summary>
    public int MaxConcurrentSessions { get; init; } = 64;

    /// <summary>What each peer may receive; <see cref="AccessPolicy.All"/> by default.</summary>
    public AccessPolicy AccessPolicy { get; init; } = AccessPolicy.All;

    /// <summary>Deadlines and batch limits of each session.</summary>
    public SyncOptions Session { get; init; } = new();

    /// <summary>Caps what the hub sends in one session (none by default; clinics set their own caps too).</summary>
    public long? MaxBytesPerSession { get; init; }

    /// <summary>How long <see cref="ZamHub.StopAsync"/> lets running sessions finish before cancelling them (30 s).</summary>
    public TimeSpan ShutdownGracePeriod { get; init; } = TimeSpan.FromSeconds(30);

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Listen);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConcurrentSessions, 1);
        ArgumentNullException.ThrowIfNull(Transport);
        Transport.Validate();
        Session.Validate();
    }
}

using ZamSync.Net.Tls;
using ZamSync.Sync;

namespace ZamSync.AspNetCore;

/// <summary>How <c>MapZamSync()</c> authenticates callers and bounds what one request may ask for (docs/http-api.md).</summary>
public sealed record ZamSyncApiOptions
{
    /// <summary>The largest <c>limit</c> a page may ask for.</summary>
    public const int MaxPageSizeLimit = 10_000;

    /// <summary>
    /// A file of bearer tokens, one per line (<c>&lt;token&gt; coordinator</c>, <c>&lt;token&gt; node &lt;id&gt;</c> or
    /// <c>&lt;token&gt; hub &lt;id&gt;</c>). It must have mode 0600 (no group or other bits): the host refuses to start
    /// otherwise. Null: no bearer tokens are accepted.
    /// </summary>
    public string? TokenFile { get; init; }

    /// <summary>
    /// The deployment's certificates, to accept client certificates (mutual TLS) as credentials; null accepts none.
    /// Listen with <c>listenOptions.UseZamSyncTls(tls)</c> so Kestrel asks for them.
    /// </summary>
    public TlsOptions? Tls { get; init; }

    /// <summary>
    /// What a node's credential may read: <see cref="AccessPolicy.OwnOnly"/> (the default) shows a clinic only the events
    /// it originated, as the sync hub does; coordinators and hubs always read everything.
    /// </summary>
    public AccessPolicy AccessPolicy { get; init; } = AccessPolicy.OwnOnly;

    /// <summary>
    /// The daily byte budget of each peer's link, both directions together (a clinic's
    /// <c>ReplicatorOptions.MaxBytesPerDay</c>), reported by <c>/api/traffic</c> and drawn by the dashboard against each
    /// peer's bytes per day. The hub does not enforce it (each clinic's replicator does); null reports none.
    /// </summary>
    public long? LinkBudgetBytesPerDay { get; init; }

    /// <summary>Events in a page when the request names no <c>limit</c> (100).</summary>
    public int DefaultPageSize { get; init; } = 100;

    /// <summary>The most events one page may hold (1000); a larger <c>limit</c> is a 400.</summary>
    public int MaxPageSize { get; init; } = 1000;

    /// <summary>The longest cursor accepted, in characters (4096); a longer one is a 400.</summary>
    public int MaxCursorLength { get; init; } = 4096;

    /// <summary>Event streams served at once (64); beyond it a new stream gets 503.</summary>
    public int MaxStreams { get; init; } = 64;

    /// <summary>How long the replicator may fail with a peer before <c>/ready</c> reports unhealthy (15 minutes).</summary>
    public TimeSpan ReplicatorFailureThreshold { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Free space below which the data directory's disk makes <c>/ready</c> unhealthy (64 MiB).</summary>
    public long MinFreeDiskBytes { get; init; } = 64L * 1024 * 1024;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPageSize, 1, nameof(MaxPageSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxPageSize, MaxPageSizeLimit, nameof(MaxPageSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(DefaultPageSize, 1, nameof(DefaultPageSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(DefaultPageSize, MaxPageSize, nameof(DefaultPageSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxCursorLength, 16, nameof(MaxCursorLength));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxStreams, 1, nameof(MaxStreams));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinFreeDiskBytes, 0, nameof(MinFreeDiskBytes));
        if (LinkBudgetBytesPerDay is { } budget) ArgumentOutOfRangeException.ThrowIfLessThan(budget, 1, nameof(LinkBudgetBytesPerDay));
        if (ReplicatorFailureThreshold <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ReplicatorFailureThreshold), ReplicatorFailureThreshold, "must be positive");
        if (TokenFile is null && Tls is null)
            throw new InvalidOperationException("The ZamSync HTTP API needs a credential source: set TokenFile (bearer tokens) or Tls (client certificates), or both. Nothing but /health is served anonymously.");
    }
}

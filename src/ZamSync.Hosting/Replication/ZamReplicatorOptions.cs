namespace ZamSync.Hosting.Replication;

/// <summary>
/// How <see cref="ZamReplicator"/> keeps a node synced (<c>services.AddZamSyncReplicator()</c>). Bound from the
/// configuration section <see cref="SectionName"/>; checked when the host starts, each problem named by its key.
/// </summary>
public sealed class ZamReplicatorOptions
{
    /// <summary>The configuration section read by default: <c>ZamSync:Replicator</c>.</summary>
    public const string SectionName = "ZamSync:Replicator";

    /// <summary>The peers to sync with (usually one hub). At least one is required.</summary>
    public List<ZamReplicatorPeer> Peers { get; set; } = new();

    /// <summary>How often each peer is synced, counted from the start of the last round (10 minutes by default).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The least time between the starts of two rounds with the same peer, however often <see cref="ZamReplicator.SyncNowAsync(CancellationToken)"/>
    /// is called (30 seconds by default; at most <see cref="Interval"/>). Retries within a round follow the backoff instead.
    /// </summary>
    public TimeSpan MinInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Caps each direction of one session, in wire bytes (as <c>SyncSession.WithMaxBytes</c>: what this node sends, and
    /// what the peer may send back). None by default.
    /// </summary>
    public long? MaxBytesPerSession { get; set; }

    /// <summary>
    /// Caps the wire bytes sent plus received with all peers in one day (none by default). The count is kept in the
    /// data directory, so a restart does not reset it. When it is spent no session starts until the next day.
    /// </summary>
    public long? MaxBytesPerDay { get; set; }

    /// <summary>Where a day of <see cref="MaxBytesPerDay"/> begins: local midnight (the default) or UTC midnight.</summary>
    public BudgetDayBoundary DayBoundary { get; set; } = BudgetDayBoundary.Local;

    /// <summary>The first retry's typical delay after a transient failure (5 seconds by default; at most a day).</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest delay between two attempts of a round (5 minutes by default).</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Retries after the first attempt of a round before it waits for the next interval (4 by default; 0 for none).</summary>
    public int MaxRetryAttempts { get; set; } = 4;

    /// <summary>How long connecting to a peer may take (30 seconds by default).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>This node's certificate with its private key (a PKCS#12 file such as <c>tls/node.pfx</c>).</summary>
    public string? CertificateFile { get; set; }

    /// <summary>The password of <see cref="CertificateFile"/>, if it has one.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>The deployment CA's certificate (PEM or DER, such as <c>tls/ca.crt</c>): the only root trusted for peers.</summary>
    public string? AuthorityFile { get; set; }

    /// <summary>Serial numbers (hex) of peer certificates to refuse.</summary>
    public List<string> RevokedSerials { get; set; } = new();

    /// <summary>
    /// Allows plain TCP when no certificate is configured: for a trusted network or tests only. Without it, missing
    /// certificate files are a configuration error.
    /// </summary>
    public bool AllowPlaintext { get; set; }
}

/// <summary>One peer the replicator syncs with.</summary>
public sealed class ZamReplicatorPeer
{
    /// <summary>Where the peer listens: <c>host:port</c>.</summary>
    public string Address { get; set; } = "";

    /// <summary>The peer's node id; its certificate must name it.</summary>
    public ulong NodeId { get; set; }
}

/// <summary>Where a budget day begins.</summary>
public enum BudgetDayBoundary
{
    /// <summary>Midnight in <see cref="TimeProvider.LocalTimeZone"/>: a metered link is billed by the local calendar day.</summary>
    Local,

    /// <summary>Midnight UTC.</summary>
    Utc,
}

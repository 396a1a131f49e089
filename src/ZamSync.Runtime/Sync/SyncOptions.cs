namespace ZamSync.Sync;

/// <summary>Which events the serving side lets a peer receive.</summary>
public enum AccessPolicy
{
    /// <summary>Every event (a hub relaying between clinics).</summary>
    All,
    /// <summary>
    /// Only the events the peer itself originated (tenant isolation). The peer also learns nothing of other
    /// origins and may send only its own events.
    /// </summary>
    OwnOnly,
}

/// <summary>Limits and deadlines of a session.</summary>
public sealed record SyncOptions
{
    /// <summary>The most events in one batch (256 by default).</summary>
    public int MaxBatchEvents { get; init; } = 256;

    /// <summary>The most bytes in one batch (64 KiB by default); a single larger event travels alone.</summary>
    public int MaxBatchBytes { get; init; } = 64 * 1024;

    /// <summary>How long to wait for the peer's handshake.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the peer may stay silent (or refuse our writes) once the session runs.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The most a whole session may take.</summary>
    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Throws if a limit is out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchEvents, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxBatchEvents, SyncMessageCodec.MaxBatchEvents);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchBytes, 64);
    }
}

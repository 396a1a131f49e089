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

/// <summary>
/// Limits and deadlines of a session. Every value is checked where it is set (an object initializer or a
/// <c>with</c> expression): one the session cannot run with throws <see cref="ArgumentOutOfRangeException"/> naming
/// the option and the value, so no session ever starts with it.
/// </summary>
public sealed record SyncOptions
{
    /// <summary>The fewest bytes <see cref="MaxBatchBytes"/> may be.</summary>
    public const int MinBatchBytes = 64;

    /// <summary>
    /// The longest deadline a session can keep (about 49.7 days, what a timer can wait);
    /// <see cref="Timeout.InfiniteTimeSpan"/> means no deadline.
    /// </summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private readonly int _maxBatchEvents = 256;
    private readonly int _maxBatchBytes = 64 * 1024;
    private readonly TimeSpan _handshakeTimeout = TimeSpan.FromSeconds(30);
    private readonly TimeSpan _idleTimeout = TimeSpan.FromSeconds(60);
    private readonly TimeSpan _sessionTimeout = TimeSpan.FromMinutes(30);
    private readonly long _maxReceivedBytesInFlight = 1024 * 1024;

    /// <summary>The most events in one batch (256 by default; 1 to 4096, the most a receiver accepts in one batch).</summary>
    public int MaxBatchEvents
    {
        get => _maxBatchEvents;
        init => _maxBatchEvents = CheckBatchEvents(value);
    }

    /// <summary>
    /// The most bytes in one batch (64 KiB by default; <see cref="MinBatchBytes"/> to
    /// 64 MiB, the largest message a receiver decodes); a single larger event travels alone.
    /// </summary>
    public int MaxBatchBytes
    {
        get => _maxBatchBytes;
        init => _maxBatchBytes = CheckBatchBytes(value);
    }

    /// <summary>
    /// How much of what the peer sent may wait for the disk at once (1 MiB by default; 0 or more). The receiver queues
    /// each batch for writing as it arrives and reads the next one while earlier ones are fsynced, so the log commits
    /// several batches (of this and other sessions) with one fsync; it stops reading while more than this is queued
    /// and not yet durable, so a session holds at most this plus the batch it is reading, whatever the peer sends.
    /// A batch counts its payloads plus 64 bytes an event. 0 makes every batch durable before the next is read.
    /// </summary>
    public long MaxReceivedBytesInFlight
    {
        get => _maxReceivedBytesInFlight;
        init => _maxReceivedBytesInFlight = CheckBytesInFlight(value);
    }

    /// <summary>How long to wait for the peer's handshake (positive, at most <see cref="MaxTimeout"/>, or infinite).</summary>
    public TimeSpan HandshakeTimeout
    {
        get => _handshakeTimeout;
        init => _handshakeTimeout = CheckTimeout(value, nameof(HandshakeTimeout));
    }

    /// <summary>How long the peer may stay silent (or refuse our writes) once the session runs (as <see cref="HandshakeTimeout"/>).</summary>
    public TimeSpan IdleTimeout
    {
        get => _idleTimeout;
        init => _idleTimeout = CheckTimeout(value, nameof(IdleTimeout));
    }

    /// <summary>The most a whole session may take (as <see cref="HandshakeTimeout"/>).</summary>
    public TimeSpan SessionTimeout
    {
        get => _sessionTimeout;
        init => _sessionTimeout = CheckTimeout(value, nameof(SessionTimeout));
    }

    /// <summary>
    /// Throws if a limit is out of range. The setters already refuse such values, so this only catches an instance
    /// made without them (by reflection, say).
    /// </summary>
    public void Validate()
    {
        CheckBatchEvents(MaxBatchEvents);
        CheckBatchBytes(MaxBatchBytes);
        CheckBytesInFlight(MaxReceivedBytesInFlight);
        CheckTimeout(HandshakeTimeout, nameof(HandshakeTimeout));
        CheckTimeout(IdleTimeout, nameof(IdleTimeout));
        CheckTimeout(SessionTimeout, nameof(SessionTimeout));
    }

    private static int CheckBatchEvents(int value)
    {
        if (value is < 1 or > SyncMessageCodec.MaxBatchEvents)
            throw new ArgumentOutOfRangeException(nameof(MaxBatchEvents), value,
                $"SyncOptions.MaxBatchEvents is {value}: it must be 1 to {SyncMessageCodec.MaxBatchEvents}, the most a receiver accepts in one batch.");
        return value;
    }

    private static int CheckBatchBytes(int value)
    {
        if (value is < MinBatchBytes or > SyncMessageCodec.MaxMessageBytes)
            throw new ArgumentOutOfRangeException(nameof(MaxBatchBytes), value,
                $"SyncOptions.MaxBatchBytes is {value}: it must be {MinBatchBytes} to {SyncMessageCodec.MaxMessageBytes} (the largest message a receiver decodes).");
        return value;
    }

    private static long CheckBytesInFlight(long value)
    {
        if (value < 0)
            throw new ArgumentOutOfRangeException(nameof(MaxReceivedBytesInFlight), value,
                $"SyncOptions.MaxReceivedBytesInFlight is {value}: it must be 0 (one batch at a time) or more.");
        return value;
    }

    private static TimeSpan CheckTimeout(TimeSpan value, string name)
    {
        if (value != Timeout.InfiniteTimeSpan && (value <= TimeSpan.Zero || value > MaxTimeout))
            throw new ArgumentOutOfRangeException(name, value,
                $"SyncOptions.{name} is {value}: it must be positive and at most {MaxTimeout} (or Timeout.InfiniteTimeSpan for none).");
        return value;
    }
}

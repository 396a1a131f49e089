namespace ZamSync;

/// <summary>
/// A node's clock. Thread-safe. Time comes from a <see cref="TimeProvider"/> so tests control it.
/// </summary>
/// <remarks>
/// Unlike the original, a remote reading may drag our clock forward by at most <see cref="MaxForwardDrift"/>
/// beyond our wall clock. A peer whose clock says 2040 still replicates (its events keep their stamps and
/// sort where they sort), but it cannot push every other node's clock into 2040.
/// </remarks>
internal sealed class HybridLogicalClock
{
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private Hlc _last;

    public HybridLogicalClock(TimeProvider time, TimeSpan maxForwardDrift, Hlc start = default)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxForwardDrift, TimeSpan.Zero);
        _time = time;
        MaxForwardDrift = maxForwardDrift;
        _last = start;
    }

    public TimeSpan MaxForwardDrift { get; }

    public Hlc Last { get { lock (_gate) return _last; } }

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Stamps a local event.</summary>
    public Hlc Tick()
    {
        long now = Now;
        lock (_gate) return _last = _last.Tick(now);
    }

    /// <summary>
    /// Merges a remote reading. Returns false (and leaves the clock alone) when the remote reading is
    /// further ahead of our wall clock than <see cref="MaxForwardDrift"/>.
    /// </summary>
    public bool Observe(Hlc remote)
    {
        long now = Now;
        if (remote.Physical - now > (long)MaxForwardDrift.TotalMilliseconds) return false;
        lock (_gate)
        {
            if (remote > _last) _last = _last.Receive(remote, now);
            return true;
        }
    }

    /// <summary>Moves the clock to at least <paramref name="reading"/> without the drift check (used on open).</summary>
    internal void Restore(Hlc reading)
    {
        lock (_gate)
        {
            if (reading > _last) _last = reading;
        }
    }
}

using System.Globalization;

namespace ZamSync;

/// <summary>
/// A hybrid logical clock reading: wall-clock milliseconds plus a logical counter that orders events
/// stamped within the same millisecond (or while the wall clock is behind the last reading).
/// </summary>
public readonly record struct Hlc(long Physical, uint Logical) : IComparable<Hlc>
{
    public static Hlc Zero => default;

    public int CompareTo(Hlc other)
    {
        int c = Physical.CompareTo(other.Physical);
        return c != 0 ? c : Logical.CompareTo(other.Logical);
    }

    public static bool operator <(Hlc left, Hlc right) => left.CompareTo(right) < 0;
    public static bool operator >(Hlc left, Hlc right) => left.CompareTo(right) > 0;
    public static bool operator <=(Hlc left, Hlc right) => left.CompareTo(right) <= 0;
    public static bool operator >=(Hlc left, Hlc right) => left.CompareTo(right) >= 0;

    /// <summary>The next reading after a local event at wall time <paramref name="now"/> (milliseconds).</summary>
    public Hlc Tick(long now) => now > Physical ? new Hlc(now, 0) : Increment(Physical, Logical);

    /// <summary>
    /// The reading after receiving <paramref name="remote"/> at wall time <paramref name="now"/>:
    /// strictly greater than both this reading and the remote one.
    /// </summary>
    public Hlc Receive(Hlc remote, long now)
    {
        long max = Math.Max(now, Math.Max(Physical, remote.Physical));
        bool local = max == Physical, fromRemote = max == remote.Physical;
        if (local && fromRemote) return Increment(max, Math.Max(Logical, remote.Logical));
        if (local) return Increment(Physical, Logical);
        if (fromRemote) return Increment(remote.Physical, remote.Logical);
        return new Hlc(now, 0);
    }

    // The original lets the logical counter overflow. We carry into the physical part instead: the
    // reading stays strictly increasing, and drifts at most one millisecond per 2^32 events.
    private static Hlc Increment(long physical, uint logical) =>
        logical == uint.MaxValue ? new Hlc(physical + 1, 0) : new Hlc(physical, logical + 1);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Physical}.{Logical}");
}

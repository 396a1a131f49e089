namespace ZamSync;

/// <summary>
/// An event's place in the one order every node agrees on: <c>(hlc, origin, seq)</c>.
/// State is the fold of events in this order.
/// </summary>
public readonly record struct EventKey(Hlc Hlc, NodeId Origin, ulong Sequence) : IComparable<EventKey>
{
    public int CompareTo(EventKey other)
    {
        int c = Hlc.CompareTo(other.Hlc);
        if (c != 0) return c;
        c = Origin.CompareTo(other.Origin);
        return c != 0 ? c : Sequence.CompareTo(other.Sequence);
    }

    public static bool operator <(EventKey left, EventKey right) => left.CompareTo(right) < 0;
    public static bool operator >(EventKey left, EventKey right) => left.CompareTo(right) > 0;
    public static bool operator <=(EventKey left, EventKey right) => left.CompareTo(right) <= 0;
    public static bool operator >=(EventKey left, EventKey right) => left.CompareTo(right) >= 0;

    public override string ToString() => $"{Hlc}/{Origin}#{Sequence}";
}

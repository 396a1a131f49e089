using ZamSync.Net.Hub;

namespace ZamSync.AspNetCore.Status;

/// <summary>
/// What each peer's sessions through the hub moved and how they ended, by UTC day (bytes, the last
/// <see cref="Days"/> days) and by hour (completed and failed sessions, the last <see cref="Hours"/> hours), from the
/// hub's per-session updates. The hub keeps only totals since it started; the history is counted here from each
/// session's difference, so it covers the sessions that ended since this API started, and its size is bounded by
/// peers × (days + hours) whatever the traffic.
/// </summary>
internal sealed class HubTraffic
{
    /// <summary>Days of bytes kept per peer.</summary>
    public const int Days = 14;

    /// <summary>Hours of session outcomes kept per peer.</summary>
    public const int Hours = 48;

    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<NodeId, PeerHistory> _peers = [];

    public HubTraffic(TimeProvider time)
    {
        _time = time;
        Since = time.GetUtcNow();
    }

    /// <summary>When counting started: history before it is not known.</summary>
    public DateTimeOffset Since { get; }

    /// <summary>Starts counting <paramref name="hub"/>'s sessions, from the totals its peers have now.</summary>
    public void Watch(ZamHub hub)
    {
        lock (_lock)
            foreach (var status in hub.Peers.Values)
                _peers.TryAdd(status.Peer, new PeerHistory(status));
        hub.SessionEnded += Record;
    }

    public void Unwatch(ZamHub hub) => hub.SessionEnded -= Record;

    /// <summary>Today's bytes sent to and received from <paramref name="peer"/> (zero when none today).</summary>
    public (long Sent, long Received) Today(NodeId peer)
    {
        lock (_lock)
            return _peers.TryGetValue(peer, out var history) && history.ByDay.TryGetValue(Today(), out var day) ? day : (0, 0);
    }

    /// <summary>Counts the session that just ended for <paramref name="status"/>'s peer (the hub's running totals after it).</summary>
    internal void Record(PeerStatus status)
    {
        var now = _time.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var hour = HourOf(now);
        lock (_lock)
        {
            if (!_peers.TryGetValue(status.Peer, out var history))
                _peers[status.Peer] = history = new PeerHistory(new PeerStatus(status.Peer, 0, 0, null, null, null, 0, 0, 0, 0));
            long sent = status.BytesSent - history.Last.BytesSent, received = status.BytesReceived - history.Last.BytesReceived;
            bool failed = status.Failures > history.Last.Failures;
            history.Last = status;

            var (daySent, dayReceived) = history.ByDay.GetValueOrDefault(today);
            history.ByDay[today] = (daySent + sent, dayReceived + received);
            var (completed, failures) = history.ByHour.GetValueOrDefault(hour);
            history.ByHour[hour] = failed ? (completed, failures + 1) : (completed + 1, failures);

            // Bounded: what falls out of the window is dropped as it is passed.
            foreach (var old in history.ByDay.Keys.Where(d => d <= today.AddDays(-Days)).ToList()) history.ByDay.Remove(old);
            foreach (var old in history.ByHour.Keys.Where(h => h <= hour.AddHours(-Hours)).ToList()) history.ByHour.Remove(old);
        }
    }

    /// <summary>The last <see cref="Days"/> UTC days, oldest first, ending today.</summary>
    public IReadOnlyList<DateOnly> DayWindow()
    {
        var today = Today();
        return [.. Enumerable.Range(0, Days).Select(i => today.AddDays(i - Days + 1))];
    }

    /// <summary>The starts of the last <see cref="Hours"/> UTC hours, oldest first, ending with the current one.</summary>
    public IReadOnlyList<DateTimeOffset> HourWindow()
    {
        var hour = HourOf(_time.GetUtcNow());
        return [.. Enumerable.Range(0, Hours).Select(i => hour.AddHours(i - Hours + 1))];
    }

    /// <summary>For each peer <paramref name="include"/> accepts: its bytes per day and sessions per hour over the windows.</summary>
    public IReadOnlyList<PeerSeries> Series(IReadOnlyList<DateOnly> days, IReadOnlyList<DateTimeOffset> hours, Func<NodeId, bool> include)
    {
        lock (_lock)
            return [.. _peers.Where(p => include(p.Key)).OrderBy(p => p.Key.Value).Select(p => new PeerSeries(
                p.Key,
                [.. days.Select(d => p.Value.ByDay.GetValueOrDefault(d).Sent)],
                [.. days.Select(d => p.Value.ByDay.GetValueOrDefault(d).Received)],
                [.. hours.Select(h => p.Value.ByHour.GetValueOrDefault(h).Completed)],
                [.. hours.Select(h => p.Value.ByHour.GetValueOrDefault(h).Failed)]))];
    }

    private DateOnly Today() => DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime);

    private static DateTimeOffset HourOf(DateTimeOffset time)
    {
        var utc = time.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }

    /// <summary>One peer's windows, aligned with the day and hour windows they were read for.</summary>
    public sealed record PeerSeries(NodeId Peer, long[] SentPerDay, long[] ReceivedPerDay, int[] CompletedPerHour, int[] FailedPerHour);

    private sealed class PeerHistory(PeerStatus last)
    {
        /// <summary>The hub's totals at the last session counted: the next session's share is the difference.</summary>
        public PeerStatus Last { get; set; } = last;

        public Dictionary<DateOnly, (long Sent, long Received)> ByDay { get; } = [];
        public Dictionary<DateTimeOffset, (int Completed, int Failed)> ByHour { get; } = [];
    }
}

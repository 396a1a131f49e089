using System.Collections.Concurrent;
using ZamSync.Net.Hub;

namespace ZamSync.AspNetCore.Status;

/// <summary>
/// Bytes each peer moved through the hub today (UTC) and in total, from the hub's per-session updates. The hub keeps
/// only totals since it started; the day's share is counted here from each session's difference, so it covers the
/// sessions that ended since this API started.
/// </summary>
internal sealed class HubTraffic
{
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<NodeId, PeerDay> _peers = new();

    public HubTraffic(TimeProvider time) => _time = time;

    /// <summary>Starts counting <paramref name="hub"/>'s sessions.</summary>
    public void Watch(ZamHub hub)
    {
        foreach (var status in hub.Peers.Values) _peers.TryAdd(status.Peer, new PeerDay(Today(), 0, 0, status.BytesSent, status.BytesReceived));
        hub.SessionEnded += OnSessionEnded;
    }

    public void Unwatch(ZamHub hub) => hub.SessionEnded -= OnSessionEnded;

    /// <summary>Today's bytes sent to and received from <paramref name="peer"/> (zero when none today).</summary>
    public (long Sent, long Received) Today(NodeId peer) =>
        _peers.TryGetValue(peer, out var day) && day.Day == Today() ? (day.SentToday, day.ReceivedToday) : (0, 0);

    private void OnSessionEnded(PeerStatus status)
    {
        var today = Today();
        _peers.AddOrUpdate(status.Peer,
            _ => new PeerDay(today, status.BytesSent, status.BytesReceived, status.BytesSent, status.BytesReceived),
            (_, was) =>
            {
                long sent = status.BytesSent - was.TotalSent, received = status.BytesReceived - was.TotalReceived;
                var (sentToday, receivedToday) = was.Day == today ? (was.SentToday, was.ReceivedToday) : (0L, 0L);
                return new PeerDay(today, sentToday + sent, receivedToday + received, status.BytesSent, status.BytesReceived);
            });
    }

    private DateOnly Today() => DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime);

    private sealed record PeerDay(DateOnly Day, long SentToday, long ReceivedToday, long TotalSent, long TotalReceived);
}

using ZamSync.Sync;
using ZamSync.Tests.Support;
using ZamSync.Testing;

namespace ZamSync.Tests.Sync;

/// <summary>
/// Two sessions of one pair overlap, and the sender compacts in between (issue 9, defect 7): the session that streams
/// from its handshake's vector must not refuse its peer for events the other session has since delivered.
/// </summary>
public abstract class OverlappingSessionsSuite : StoreSuite
{
    [Fact]
    public async Task Compaction_during_an_overlapping_session_does_not_refuse_a_peer_that_holds_everything()
    {
        using var dir = new TempDirectory();
        await using var a = await OpenAsync(dir.Sub("a"), 1);
        await using var b = await OpenAsync(dir.Sub("b"), 2);
        await Sessions.SubmitConcurrentlyAsync(a, 30, "a");
        await Sessions.SubmitConcurrentlyAsync(b, 5, "b");

        // Session S: A dials B, and is held right after the handshakes, so it streams from what B held then (nothing of A).
        var (left, right) = InMemoryTransport.CreatePair();
        var paused = new PausingTransport(left, pauseAtReceive: 2);
        var serving = Sessions.RunSideAsync(right, () => b.CreateSession(right).ServeOneAsync(a.NodeId));
        var syncing = Sessions.RunSideAsync(paused, () => a.CreateSession(paused).SyncAsync(b.NodeId));
        await paused.Paused.WaitAsync(Sessions.Guard);

        // Meanwhile a second session delivers everything both ways and is acknowledged, and A compacts what B holds.
        (await Sessions.RunAsync(a, b)).Require();
        Assert.Equal(30UL, a.PeerKnowledge(b.NodeId)[a.NodeId]);
        var compaction = await a.CompactAsync();
        Assert.True(compaction.EventsDropped >= 30, $"compaction dropped {compaction.EventsDropped} ({compaction.StoppedBy})");
        Assert.Throws<EventsCompactedException>(() => a.ReadEvents(a.NodeId, 1).ToList());

        paused.Resume();
        var (client, clientError) = await syncing.WaitAsync(Sessions.Guard);
        var (server, serverError) = await serving.WaitAsync(Sessions.Guard);

        Assert.Null(clientError);
        Assert.Null(serverError);
        Assert.Equal(0, client!.EventsSent); // B already held them all
        Assert.Equal(0, server!.EventsReceived);
        Assert.Equal(a.Known, b.Known);
        Assert.Equal(a.State.Hash(), b.State.Hash());
    }

    [Fact]
    public async Task After_compaction_an_overlapping_session_sends_what_the_peer_still_lacks()
    {
        using var dir = new TempDirectory();
        await using var a = await OpenAsync(dir.Sub("a"), 1);
        await using var b = await OpenAsync(dir.Sub("b"), 2);
        await Sessions.SubmitConcurrentlyAsync(a, 30, "a");

        var (left, right) = InMemoryTransport.CreatePair();
        var paused = new PausingTransport(left, pauseAtReceive: 2);
        var serving = Sessions.RunSideAsync(right, () => b.CreateSession(right).ServeOneAsync(a.NodeId));
        var syncing = Sessions.RunSideAsync(paused, () => a.CreateSession(paused).SyncAsync(b.NodeId));
        await paused.Paused.WaitAsync(Sessions.Guard);

        (await Sessions.RunAsync(a, b)).Require();
        Assert.True((await a.CompactAsync()).EventsDropped >= 30);
        // Written after the second session: only session S can deliver these.
        await Sessions.SubmitConcurrentlyAsync(a, 7, "late");

        paused.Resume();
        var (client, clientError) = await syncing.WaitAsync(Sessions.Guard);
        var (server, serverError) = await serving.WaitAsync(Sessions.Guard);

        Assert.Null(clientError);
        Assert.Null(serverError);
        Assert.Equal(7, client!.EventsSent); // only the 7 B lacked, none resent
        Assert.Equal(7, server!.EventsReceived);
        Assert.Equal(37UL, b.Known[a.NodeId]);
        Assert.Equal(a.State.Hash(), b.State.Hash());
    }
}

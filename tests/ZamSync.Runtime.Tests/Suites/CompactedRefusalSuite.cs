using ZamSync.Sync;
using ZamSync.Tests.Support;

namespace ZamSync.Tests.Sync;

/// <summary>
/// The side that refuses a peer for events it has compacted ends with a session error like any other (issue 9, error
/// model): a <see cref="SyncException"/>, not transient, with what the session spent, so a metered hub can count it.
/// </summary>
public abstract class CompactedRefusalSuite : StoreSuite
{
    [Fact]
    public async Task Refusing_a_peer_for_compacted_events_is_a_SyncException_with_the_sessions_stats()
    {
        using var dir = new TempDirectory();
        await using var a = await OpenAsync(dir.Sub("a"), 1);
        await using var b = await OpenAsync(dir.Sub("b"), 2);
        await using var newcomer = await OpenAsync(dir.Sub("newcomer"), 3);
        await Sessions.SubmitConcurrentlyAsync(a, 30, "a");
        (await Sessions.RunAsync(a, b)).Require();
        Assert.Equal(30, (await a.CompactAsync()).EventsDropped);

        var outcome = await Sessions.RunAsync(newcomer, a);

        var refusing = Assert.IsAssignableFrom<SyncException>(outcome.ResponderError);
        var compacted = Assert.IsType<EventsCompactedException>(refusing); // the detail is still there
        Assert.Equal((a.NodeId, 1UL, 30UL), (compacted.Origin, compacted.Requested, compacted.Floor));
        Assert.False(refusing.IsTransient); // the same session would fail the same way
        var spent = Assert.IsType<SyncStats>(refusing.Stats);
        Assert.Equal(newcomer.NodeId, spent.Peer);
        Assert.True(spent.BytesSent > 0, "the handshake and the refusal were sent");
        Assert.True(spent.BytesReceived > 0, "the newcomer's handshake was received");
        Assert.Equal(0, spent.EventsSent);

        var refused = Assert.IsType<SyncRefusedException>(outcome.InitiatorError);
        Assert.Equal(RefuseReason.EventsCompacted, refused.Reason);
        Assert.False(refused.IsTransient);
        Assert.Equal(spent.BytesSent, refused.Stats!.BytesReceived);
    }
}

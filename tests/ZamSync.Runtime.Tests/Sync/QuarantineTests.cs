using System.Text;
using ZamSync.Sync;
using ZamSync.Tests.Support;

namespace ZamSync.Tests.Sync;

/// <summary>
/// One event the receiver refuses must not block the pair forever (REFERENCE.md §3): it is stored in
/// quarantine, never applied, and replication goes on.
/// </summary>
public class QuarantineTests
{
    private sealed class RefusePayload(string refused) : IEventValidator
    {
        public string? Validate(in EventEnvelope envelope) =>
            Encoding.UTF8.GetString(envelope.Payload.Span) == refused ? $"payload '{refused}' does not fit the local schema" : null;
    }

    // Small batches, so the refused event and the ones after it travel in different messages.
    private static readonly SyncOptions SmallBatches = new() { MaxBatchEvents = 2 };

    [Fact]
    public async Task A_quarantined_event_does_not_stop_the_events_after_it()
    {
        using var dir = new TempDirectory();
        var options = new ZamEngineOptions { Validator = new RefusePayload("a-3") };
        await using var a = await Nodes.OpenAsync(dir.Sub("a"), 1);
        await using (var b = await Nodes.OpenAsync(dir.Sub("b"), 2, options))
        {
            await Sessions.SubmitConcurrentlyAsync(a, 10, "a");

            var (client, server) = (await Sessions.RunAsync(a, b, s => s.WithOptions(SmallBatches), s => s.WithOptions(SmallBatches))).Require();

            Assert.Equal(10, client.EventsSent);
            Assert.Equal(10, server.EventsReceived); // stored, the quarantined one included
            Assert.Equal(1, server.EventsQuarantined);
            var q = Assert.Single(b.Quarantined);
            Assert.Equal(a.NodeId, q.Origin);
            Assert.Equal(4UL, q.Sequence); // "a-3" is the fourth event
            Assert.Equal(a.NodeId, q.ReceivedFrom);
            Assert.Contains("does not fit the local schema", q.Reason);

            // The vector moves past it, so the sender considers it delivered ...
            Assert.Equal(10UL, b.Known[a.NodeId]);
            Assert.Equal(10UL, a.PeerKnowledge(b.NodeId)[a.NodeId]);
            // ... every later event is applied, and the refused one is not.
            Assert.Equal(9, b.State.Count);
            Assert.DoesNotContain(b.State.Entries, e => e.EndsWith(":a-3", StringComparison.Ordinal));
            Assert.Contains(b.State.Entries, e => e.EndsWith(":a-9", StringComparison.Ordinal));

            // The next session has nothing to send.
            var (again, againServer) = (await Sessions.RunAsync(a, b)).Require();
            Assert.Equal(0, again.EventsSent);
            Assert.Equal(0, againServer.EventsSent);
            Assert.Equal(0, againServer.EventsReceived);
            Assert.Equal(0, againServer.EventsQuarantined);

            // A local submit of the same payload is refused outright.
            var refused = await Assert.ThrowsAsync<EventRefusedException>(async () => await b.SubmitAsync(1, Encoding.UTF8.GetBytes("a-3")));
            Assert.Equal("payload 'a-3' does not fit the local schema", refused.Reason);
        }

        // The quarantine survives a restart: still listed, still not applied.
        await using var reopened = await Nodes.OpenAsync(dir.Sub("b"), 2, options);
        Assert.Single(reopened.Quarantined);
        Assert.Equal(9, reopened.State.Count);
        Assert.DoesNotContain(reopened.State.Entries, e => e.EndsWith(":a-3", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_quarantined_event_is_still_forwarded_so_the_origins_sequence_stays_contiguous()
    {
        using var dir = new TempDirectory();
        await using var a = await Nodes.OpenAsync(dir.Sub("a"), 1);
        await using var strict = await Nodes.OpenAsync(dir.Sub("strict"), 2, new ZamEngineOptions { Validator = new RefusePayload("a-0") });
        await using var c = await Nodes.OpenAsync(dir.Sub("c"), 3);
        await Sessions.SubmitConcurrentlyAsync(a, 5, "a");

        (await Sessions.RunAsync(a, strict)).Require();
        Assert.Single(strict.Quarantined);
        Assert.Equal(4, strict.State.Count);

        var (client, _) = (await Sessions.RunAsync(c, strict)).Require();

        Assert.Equal(5, client.EventsReceived);
        Assert.Equal(5UL, c.Known[a.NodeId]);
        Assert.Equal(a.State.Hash(), c.State.Hash()); // c has no validator: it applies the event strict refused
    }
}

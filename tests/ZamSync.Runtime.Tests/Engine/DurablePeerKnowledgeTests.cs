using ZamSync.Storage;
using ZamSync.Tests.Support;

namespace ZamSync.Tests.Engine;

/// <summary>Compaction drops events for good, so it trusts only peer knowledge that the peer store made durable.</summary>
public class DurablePeerKnowledgeTests
{
    private static readonly NodeId Node = new(1), Peer = new(2);

    private static string WalPath(string dir) => Path.Combine(dir, "events.wal");

    [Fact]
    public async Task Compaction_first_makes_knowledge_recorded_in_memory_durable_and_it_survives_a_reopen()
    {
        using var temp = new TempDirectory("durable-peers");
        string dir = temp.Sub("node");
        await using (var engine = await Nodes.OpenAsync(dir, Node.Value))
        {
            await Nodes.SubmitManyAsync(engine, 10);
            engine.RecordPeerKnowledge(Peer, new VersionVector([new(Node, 10UL)])); // not flushed: no session ended

            Assert.Equal(10, (await engine.CompactAsync()).EventsDropped);

            // Read straight from the file while the engine is still open, as a crash right now would leave it.
            var stored = await new FilePeerStore(dir).LoadAsync();
            Assert.Equal(10UL, stored[Peer].Holds[Node]);
        }

        await using var reopened = await Nodes.OpenAsync(dir, Node.Value);
        Assert.Equal(10UL, reopened.PeerKnowledge(Peer)[Node]);
    }

    [Fact]
    public async Task Compaction_whose_peer_knowledge_cannot_be_made_durable_drops_nothing()
    {
        using var temp = new TempDirectory("durable-peers");
        string dir = temp.Sub("node");
        var peers = new RefusingPeerStore();
        await using var engine = await Nodes.OpenAsync(dir, Node.Value, new ZamEngineOptions { PeerStore = peers });
        await Nodes.SubmitManyAsync(engine, 10);
        engine.RecordPeerKnowledge(Peer, new VersionVector([new(Node, 10UL)]));
        long length = new FileInfo(WalPath(dir)).Length;

        await Assert.ThrowsAsync<IOException>(() => engine.CompactAsync());

        Assert.Equal(length, new FileInfo(WalPath(dir)).Length);
        Assert.Equal(10, engine.ReadEvents(Node).Count());
        Assert.Equal(10UL, engine.PeerKnowledge(Peer)[Node]); // still known in memory, for the next flush to retry
        peers.Refuse = false;
        Assert.Equal(10, (await engine.CompactAsync()).EventsDropped);
    }

    /// <summary>A peer store whose writes fail (a full disk) until told otherwise.</summary>
    private sealed class RefusingPeerStore : IPeerStore
    {
        public bool Refuse { get; set; } = true;

        public ValueTask<IReadOnlyDictionary<NodeId, PeerRecord>> LoadAsync(CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyDictionary<NodeId, PeerRecord>>(new Dictionary<NodeId, PeerRecord>());

        public ValueTask SaveAsync(IReadOnlyDictionary<NodeId, PeerRecord> changed, CancellationToken cancellationToken = default) =>
            Refuse ? ValueTask.FromException(new IOException("No space left on device")) : ValueTask.CompletedTask;
    }
}

using ZamSync.Tests.Support;

namespace ZamSync.Tests.Engine;

/// <summary>
/// A relay stores and forwards events without a state: it folds nothing, serves and receives sessions like any
/// node, and compacts to floors with an empty snapshot.
/// </summary>
public class RelayTests
{
    [Fact]
    public async Task A_relay_forwards_every_event_between_clinics_and_applies_none()
    {
        using var dir = new TempDirectory("relay-forward");
        await using var relay = await ZamEngine.OpenRelayAsync(dir.Sub("relay"), new NodeId(100));
        using var counted = new AppliedCounter(relay);
        await using var a = await Nodes.OpenAsync(dir.Sub("a"), 1);
        await using var b = await Nodes.OpenAsync(dir.Sub("b"), 2);
        await Nodes.SubmitManyAsync(a, 4, "a");
        await Nodes.SubmitManyAsync(b, 3, "b");

        (await Sessions.RunAsync(a, relay)).Require();
        (await Sessions.RunAsync(b, relay)).Require();
        (await Sessions.RunAsync(a, relay)).Require();

        Assert.True(relay.IsRelay);
        Assert.False(a.IsRelay);
        Assert.Equal(a.Known, relay.Known);
        Assert.Equal(b.Known, relay.Known);
        Assert.Equal(a.Read(s => s.Hash()), b.Read(s => s.Hash()));
        Assert.Equal(Sessions.ReferenceHash(relay.ReadAllEvents()), a.Read(s => s.Hash()));
        Assert.Equal(0, counted.Applied);
    }

    [Fact]
    public async Task A_relay_compacts_what_its_peers_hold_and_reopens_with_its_floors()
    {
        using var dir = new TempDirectory("relay-compact");
        string path = dir.Sub("relay");
        VersionVector known;
        await using (var relay = await ZamEngine.OpenRelayAsync(path, new NodeId(100)))
        {
            await using var a = await Nodes.OpenAsync(dir.Sub("a"), 1);
            await Nodes.SubmitManyAsync(a, 5, "a");
            (await Sessions.RunAsync(a, relay)).Require();
            await relay.FlushPeerKnowledgeAsync(CancellationToken.None);

            var result = await relay.CompactAsync();

            Assert.Equal(5, result.EventsDropped);
            Assert.Equal(5UL, relay.Compacted[new NodeId(1)]);
            known = relay.Known;
        }
        await using var reopened = await ZamEngine.OpenRelayAsync(path, new NodeId(100));
        Assert.Equal(known, reopened.Known);
        Assert.Equal(5UL, reopened.Compacted[new NodeId(1)]);
        Assert.False(File.Exists(Path.Combine(path, ZamSync.Storage.StateSnapshotFile.FileName)));
    }
}

using ZamSync.Transport;

namespace ZamSync.Contracts.OracleTests;

using V1 = global::Contracts.V1;
using V2 = global::Contracts.V2;

/// <summary>
/// Nodes running two versions of one contract, through the real engine and sessions: a newer node's events read by
/// an older one and back, unknown slots and unknown event types stored and forwarded intact.
/// </summary>
public sealed class VersionedNodesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("zamsync-versions-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private Task<ZamEngine<V1.ReadingsState>> OpenV1(ulong id) =>
        ZamEngine<V1.ReadingsState>.OpenAsync(Path.Combine(_root, $"v1-{id}"), new NodeId(id));

    private Task<ZamEngine<V2.ReadingsState>> OpenV2(ulong id) =>
        ZamEngine<V2.ReadingsState>.OpenAsync(Path.Combine(_root, $"v2-{id}"), new NodeId(id));

    private static async Task SyncAsync(ZamEngine initiator, ZamEngine responder)
    {
        var (a, b) = InMemoryTransport.CreatePair();
        await using (a)
        await using (b)
        {
            var serving = responder.CreateSession(b).ServeOneAsync(initiator.NodeId);
            await initiator.CreateSession(a).SyncAsync(responder.NodeId);
            await serving;
        }
    }

    [Fact]
    public async Task Old_and_new_nodes_sync_each_others_events_and_forward_what_the_old_one_cannot_read()
    {
        await using var older = await OpenV1(1);
        await using var newer = await OpenV2(2);
        await using var newerPeer = await OpenV2(3);
        Assert.NotEqual(older.ContractFingerprint, newer.ContractFingerprint);

        await older.SubmitAsync(new V1.Reading("bp-1", 120));
        await newer.SubmitAsync(new V2.Reading("bp-2", 130, "mmHg"));
        await newer.SubmitAsync(new V2.Reading("bp-3", 140, "mmHg"));
        await newer.SubmitAsync(new V2.ReadingVoided("bp-3"));

        // v2 -> v1: the old node reads the new reading without its unit, stores the void it cannot apply.
        await SyncAsync(newer, older);
        Assert.Equal(new Dictionary<string, int> { ["bp-1"] = 120, ["bp-2"] = 130, ["bp-3"] = 140 }, older.Read(s => new Dictionary<string, int>(s.Values)));
        Assert.Equal(older.Known, newer.Known);

        // v1 -> v2: the new node reads the old reading with the unit defaulted.
        Assert.Equal((120, (string?)null), newer.Read(s => s.Values["bp-1"]));

        // Through the old node, another new node gets the new events intact: the unit and the void survive.
        await SyncAsync(newerPeer, older);
        Assert.Equal(newer.Read(s => s.Values.ToArray()), newerPeer.Read(s => s.Values.ToArray()));
        Assert.Equal((130, "mmHg"), newerPeer.Read(s => s.Values["bp-2"]));
        Assert.False(newerPeer.Read(s => s.Values.ContainsKey("bp-3")));
    }
}

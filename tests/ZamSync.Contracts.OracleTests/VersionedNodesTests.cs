using ZamSync.Testing;

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

    /// <summary>Node 1's version-1 data directory, opened by the version-2 build: the upgrade.</summary>
    private Task<ZamEngine<V2.ReadingsState>> UpgradeV1(ulong id) =>
        ZamEngine<V2.ReadingsState>.OpenAsync(Path.Combine(_root, $"v1-{id}"), new NodeId(id));

    /// <summary>
    /// An old node that holds a newer node's events, some of a type it cannot apply (a void), and has told the newer
    /// node everything it holds (so both know each other's events, as compaction requires).
    /// </summary>
    private async Task<ZamEngine<V2.ReadingsState>> OldNodeHoldingAVoidAsync(ZamEngine<V1.ReadingsState> older)
    {
        var newer = await OpenV2(2);
        await older.SubmitAsync(new V1.Reading("bp-1", 120));
        await newer.SubmitAsync(new V2.Reading("bp-2", 130, "mmHg"));
        await newer.SubmitAsync(new V2.ReadingVoided("bp-2"));
        await newer.SubmitAsync(new V2.Reading("bp-4", 150, null));
        await SyncAsync(newer, older);
        await SyncAsync(older, newer);
        // The old build stored the void but could not apply it.
        Assert.Equal(new Dictionary<string, int> { ["bp-1"] = 120, ["bp-2"] = 130, ["bp-4"] = 150 }, older.Read(s => new Dictionary<string, int>(s.Values)));
        return newer;
    }

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
        Assert.Equal((120, false), newer.Read(s => (s.Values["bp-1"], s.Units.ContainsKey("bp-1"))));

        // Through the old node, another new node gets the new events intact: the unit and the void survive.
        await SyncAsync(newerPeer, older);
        Assert.Equal(newer.Read(s => s.Values.ToArray()), newerPeer.Read(s => s.Values.ToArray()));
        Assert.Equal((130, "mmHg"), newerPeer.Read(s => (s.Values["bp-2"], s.Units["bp-2"])));
        Assert.False(newerPeer.Read(s => s.Values.ContainsKey("bp-3")));
    }

    [Fact]
    public async Task After_an_upgrade_the_events_the_old_build_stored_are_applied_though_it_left_a_snapshot()
    {
        ZamEngine<V2.ReadingsState> newer;
        await using (var older = await OpenV1(1))
        {
            newer = await OldNodeHoldingAVoidAsync(older);
        } // a clean close writes state.snapshot, folded by version 1
        await using var _ = newer;

        await using var upgraded = await UpgradeV1(1);

        Assert.Equal(newer.Read(s => s.Values.ToArray()), upgraded.Read(s => s.Values.ToArray()));
        Assert.False(upgraded.Read(s => s.Values.ContainsKey("bp-2")));
    }

    [Fact]
    public async Task Compaction_keeps_the_events_the_old_build_cannot_apply_so_an_upgrade_applies_them()
    {
        ZamEngine<V2.ReadingsState> newer;
        CompactionResult compaction;
        await using (var older = await OpenV1(1))
        {
            newer = await OldNodeHoldingAVoidAsync(older);
            compaction = await older.CompactAsync();
        }
        await using var _ = newer;

        // Dropped: what sorts before the void (bp-1 and bp-2's reading); kept: the void and what follows it.
        Assert.Equal(2, compaction.EventsDropped);
        await using var upgraded = await UpgradeV1(1);
        Assert.Equal(newer.Read(s => s.Values.ToArray()), upgraded.Read(s => s.Values.ToArray()));
        Assert.Equal(new[] { "bp-1", "bp-4" }, upgraded.Read(s => s.Values.Keys.ToArray()));
        Assert.Equal(newer.Known, upgraded.Known);
    }

    // ---- event versions: slot 1 of event 3 changed type (int milligrams -> decimal grams) with an upcaster ----

    [Fact]
    public async Task A_new_node_applies_an_old_nodes_events_through_the_upcaster_and_the_old_node_reads_them_back_unchanged()
    {
        await using var older = await OpenV1(1);
        await using var newer = await OpenV2(2);
        await using var olderPeer = await OpenV1(4);
        await older.SubmitAsync(new V1.Dosed("ACT", 500));
        await older.SubmitAsync(new V1.Dosed("ACT", 250));
        await older.SubmitAsync(new V1.Dosed("ORS", 1));

        await SyncAsync(newer, older);
        Assert.Equal(new Dictionary<string, decimal> { ["ACT"] = 0.75m, ["ORS"] = 0.001m }, newer.Read(s => new Dictionary<string, decimal>(s.Grams)));

        // The new node stored the old version's bytes as they came: another old node gets them through it and applies them.
        await SyncAsync(olderPeer, newer);
        Assert.Equal(new Dictionary<string, int> { ["ACT"] = 750, ["ORS"] = 1 }, olderPeer.Read(s => new Dictionary<string, int>(s.Milligrams)));
        Assert.Equal(newer.Known, olderPeer.Known);
    }

    [Fact]
    public async Task An_old_node_stores_and_forwards_a_new_version_it_cannot_read_and_a_new_node_behind_it_applies_it()
    {
        await using var newer = await OpenV2(2);
        await using var older = await OpenV1(1);
        await using var newerPeer = await OpenV2(3);
        await newer.SubmitAsync(new V2.Dosed("ACT", 0.5m));
        await newer.SubmitAsync(new V2.Dosed("ACT", 0.125m));

        await SyncAsync(older, newer);
        Assert.Equal(newer.Known, older.Known); // held...
        Assert.Empty(older.Read(s => s.Milligrams.ToArray())); // ...but not applied: version 2 is an event it does not know

        await SyncAsync(newerPeer, older);
        Assert.Equal(0.625m, newerPeer.Read(s => s.Grams["ACT"]));
    }

    [Fact]
    public async Task After_an_upgrade_the_old_versions_in_the_log_are_folded_through_the_upcaster()
    {
        await using (var older = await OpenV1(1))
        {
            await older.SubmitAsync(new V1.Dosed("ACT", 1500));
            await older.SubmitAsync(new V1.Reading("bp-1", 120));
            Assert.Equal(1500, older.Read(s => s.Milligrams["ACT"]));
        } // a clean close leaves a snapshot folded under version 1, which the new build must not resume from

        await using var upgraded = await UpgradeV1(1);
        Assert.Equal(1.5m, upgraded.Read(s => s.Grams["ACT"]));
        Assert.Equal(120, upgraded.Read(s => s.Values["bp-1"]));
        await upgraded.SubmitAsync(new V2.Dosed("ACT", 0.25m));
        Assert.Equal(1.75m, upgraded.Read(s => s.Grams["ACT"]));
    }

    [Fact]
    public void A_version_travels_under_its_wire_id_and_both_contracts_name_it_in_their_schemas()
    {
        Assert.Equal(3u, V2.DosedV1.EventTypeId);
        Assert.Equal(V2.Dosed.EventTypeId, ZamEventAttribute.WireId(3, 2));
        Assert.Equal(0x0100_0003u, V2.Dosed.EventTypeId);
        Assert.Equal(V1.Dosed.EventTypeId, V2.DosedV1.EventTypeId);
        string Schema(Type t) => ((ZamContractAttribute)Attribute.GetCustomAttribute(t.Assembly, typeof(ZamContractAttribute))!).Schema;
        string v1 = Schema(typeof(V1.Dosed)), v2 = Schema(typeof(V2.Dosed));
        Assert.Contains("\n3 Contracts.V1.Dosed {", v1);
        Assert.Contains("\n3 Contracts.V2.DosedV1 {", v2);
        Assert.Contains("\n16777219 Contracts.V2.Dosed { 0 Item: string; 1 Grams: decimal; }", v2);
        Assert.Empty(ZamSync.Sync.ContractCompatibility.Differences(v1, v2)); // an old node sees a new event, not a changed one
    }
}

using System.Text;
using ZamSync.Tests.Support;

namespace ZamSync.PostgreSql.Tests;

/// <summary>
/// A representative engine and sync suite, run against both stores (one parameterised suite, not a copy): local
/// submits survive a reopen, two nodes converge in both directions under byte budgets, and a hub's events reach a clinic
/// after compaction.
/// </summary>
public sealed class EngineSuite : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [MemberData(nameof(EngineStores.All), MemberType = typeof(EngineStores))]
    public async Task Submitted_events_survive_a_reopen_and_fold_to_the_same_state(StoreKind kind)
    {
        await using var stores = new EngineStores(kind);
        var options = stores.Options();
        string hash;
        await using (var node = await Nodes.OpenAsync(_dir.Sub("node"), 1, options))
        {
            await Nodes.SubmitManyAsync(node, 250);
            hash = node.State.Hash();
            Assert.Equal(250UL, node.Events.HighestSequence(node.NodeId));
        }
        await using var reopened = await Nodes.OpenAsync(_dir.Sub("node"), 1, options);
        Assert.Equal(250, reopened.State.Count);
        Assert.Equal(hash, reopened.State.Hash());
        Assert.Equal(250, reopened.Events.Read(reopened.NodeId, 1).Count());
        var next = await reopened.SubmitAsync(1, Encoding.UTF8.GetBytes("after"));
        Assert.Equal(251UL, next.Sequence);
    }

    [Theory]
    [MemberData(nameof(EngineStores.All), MemberType = typeof(EngineStores))]
    public async Task A_clinic_and_a_hub_converge_in_both_directions_under_a_byte_budget(StoreKind kind)
    {
        await using var stores = new EngineStores(kind);
        await using var hub = await Nodes.OpenAsync(_dir.Sub("hub"), 100, stores.Options());
        await using var clinic = await Nodes.OpenAsync(_dir.Sub("clinic"), 7, stores.Options());
        await using var other = await Nodes.OpenAsync(_dir.Sub("other"), 8, stores.Options());
        await Nodes.SubmitManyAsync(clinic, 120, "clinic");
        await Nodes.SubmitManyAsync(other, 80, "other");
        await Nodes.SubmitManyAsync(hub, 10, "hub");

        for (int round = 0; round < 50 && !(clinic.Known.Equals(other.Known) && hub.Known.Equals(clinic.Known)); round++)
        {
            await Nodes.SyncAsync(clinic, hub, maxBytes: 2_000);
            await Nodes.SyncAsync(other, hub, maxBytes: 2_000);
        }
        Assert.Equal(hub.Known, clinic.Known);
        Assert.Equal(hub.Known, other.Known);
        Assert.Equal(210, hub.State.Count);
        Assert.Equal(hub.State.Hash(), clinic.State.Hash());
        Assert.Equal(hub.State.Hash(), other.State.Hash());
    }

    [Fact]
    public async Task Two_processes_of_one_hub_on_postgres_serve_each_others_clinics()
    {
        await using var db = TestDatabase.Create();
        await using var first = await Nodes.OpenAsync(_dir.Sub("hub-1"), 100, EngineStores.HubProcess(db));
        await using var second = await Nodes.OpenAsync(_dir.Sub("hub-2"), 100, EngineStores.HubProcess(db));
        await using var clinicA = await Nodes.OpenAsync(_dir.Sub("a"), 7);
        await using var clinicB = await Nodes.OpenAsync(_dir.Sub("b"), 8);
        await Nodes.SubmitManyAsync(clinicA, 40, "a");
        await Nodes.SubmitManyAsync(clinicB, 30, "b");
        await Nodes.SubmitManyAsync(first, 5, "hub-1");
        await Nodes.SubmitManyAsync(second, 5, "hub-2");

        // Each clinic reaches a different process, then the other one (a load balancer decides, not the clinic).
        await Nodes.SyncAsync(clinicA, first);
        await Nodes.SyncAsync(clinicB, second);
        await Nodes.SyncAsync(clinicA, second);
        await Nodes.SyncAsync(clinicB, first);

        Assert.Equal(80, clinicA.State.Count);
        Assert.Equal(clinicA.State.Hash(), clinicB.State.Hash());
        Assert.Equal(clinicA.Known, clinicB.Known);
        // The hub's own events, submitted through both processes, are one contiguous sequence.
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (ulong)i), clinicA.Events.Read(first.NodeId, 1).Select(e => e.Envelope.Sequence));
        Assert.Equal(80L, await db.ScalarAsync<long>("SELECT count(*) FROM {s}.events"));
    }
}

namespace ZamSync.PostgreSql.Tests;

public sealed class PeerKnowledgeTests : IAsyncLifetime
{
    private static readonly NodeId Clinic = new(0xF000_0000_0000_0001); // top bit set: the mapping must keep it
    private static readonly NodeId OriginA = new(7);
    private static readonly NodeId OriginB = new(ulong.MaxValue);

    private readonly TestDatabase _db = TestDatabase.Create();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Fact]
    public async Task A_stale_hub_process_cannot_move_a_peers_knowledge_back()
    {
        // Two hub processes, each with its own connections, on one schema.
        var first = await PostgresPeerStore.OpenAsync(_db.NewProcess(), _db.Options);
        var second = await PostgresPeerStore.OpenAsync(_db.NewProcess(), _db.Options);
        await first.SaveAsync(Changed(Clinic, Holds((OriginA, 5)), "fp-1"));

        // The first process loads its view, then is paused (a GC pause, a stopped VM) ...
        var staleView = await first.LoadAsync();
        // ... while the second serves the clinic's next sessions and advances what it holds.
        await second.SaveAsync(Changed(Clinic, Holds((OriginA, 10), (OriginB, 3)), "fp-2"));

        // The first wakes up and saves what its own (older) session learnt: origin A only to 7, but a new origin.
        var stale = staleView[Clinic].Holds.Clone();
        stale.Advance(OriginA, 7);
        stale.Advance(new NodeId(99), 4);
        await first.SaveAsync(Changed(Clinic, stale, "fp-2"));

        foreach (var store in new[] { first, second })
        {
            var record = (await store.LoadAsync())[Clinic];
            Assert.Equal(10UL, record.Holds[OriginA]);
            Assert.Equal(3UL, record.Holds[OriginB]);
            Assert.Equal(4UL, record.Holds[new NodeId(99)]);
            Assert.Equal(3, record.Holds.Count);
            Assert.Equal("fp-2", record.ContractFingerprint);
        }
    }

    [Fact]
    public async Task Saves_at_the_same_moment_from_two_processes_keep_the_highest_of_each()
    {
        var first = await PostgresPeerStore.OpenAsync(_db.NewProcess(), _db.Options);
        var second = await PostgresPeerStore.OpenAsync(_db.NewProcess(), _db.Options);
        var peers = Enumerable.Range(1, 50).Select(i => new NodeId((ulong)i)).ToArray();

        // Overlapping peers in opposite orders of knowledge: each process is ahead on half of the origins.
        var saves = Enumerable.Range(1, 20).SelectMany(round => new[]
        {
            Task.Run(async () => await first.SaveAsync(peers.ToDictionary(p => p, _ => new PeerRecord(Holds((OriginA, (ulong)round), (OriginB, 100 - (ulong)round)))))),
            Task.Run(async () => await second.SaveAsync(peers.Reverse().ToDictionary(p => p, _ => new PeerRecord(Holds((OriginA, 100 - (ulong)round), (OriginB, (ulong)round)))))),
        });
        await Task.WhenAll(saves);

        var loaded = await first.LoadAsync();
        Assert.Equal(peers.Length, loaded.Count);
        Assert.All(peers, p =>
        {
            Assert.Equal(99UL, loaded[p].Holds[OriginA]);
            Assert.Equal(99UL, loaded[p].Holds[OriginB]);
        });
    }

    [Fact]
    public async Task A_fingerprint_is_replaced_or_forgotten_and_a_peer_with_no_knowledge_is_kept()
    {
        var store = await PostgresPeerStore.OpenAsync(_db.NewProcess(), _db.Options);
        await store.SaveAsync(Changed(Clinic, Holds((OriginA, 1)), "old"));
        await store.SaveAsync(Changed(Clinic, Holds((OriginA, 1)), "new"));
        await store.SaveAsync(Changed(OriginB, new VersionVector(), null));
        var loaded = await store.LoadAsync();
        Assert.Equal("new", loaded[Clinic].ContractFingerprint);
        Assert.Empty(loaded[OriginB].Holds);

        await store.SaveAsync(Changed(Clinic, Holds((OriginA, 1)), null));
        Assert.Null((await store.LoadAsync())[Clinic].ContractFingerprint);
    }

    [Fact]
    public async Task Ids_and_sequences_with_the_top_bit_set_survive_and_keep_their_order()
    {
        var store = await PostgresPeerStore.OpenAsync(_db.NewProcess(), _db.Options);
        await store.SaveAsync(Changed(Clinic, Holds((OriginB, ulong.MaxValue - 1), (OriginA, 1UL << 63)), null));
        // GREATEST must compare as unsigned: 2^63 + 1 beats 2^63, and ulong.MaxValue - 1 is not beaten by 5.
        await store.SaveAsync(Changed(Clinic, Holds((OriginB, 5), (OriginA, (1UL << 63) + 1)), null));
        var holds = (await store.LoadAsync())[Clinic].Holds;
        Assert.Equal(ulong.MaxValue - 1, holds[OriginB]);
        Assert.Equal((1UL << 63) + 1, holds[OriginA]);
        // And people reading the table see the real numbers through the schema's u64().
        Assert.Equal(18446744073709551614m, await _db.ScalarAsync<decimal>($"SELECT {{s}}.u64(seq) FROM {{s}}.peer_holds WHERE origin = {{s}}.from_u64({ulong.MaxValue})"));
    }

    [Fact]
    public async Task Opening_the_schema_from_many_processes_at_once_creates_it_once()
    {
        var opens = Enumerable.Range(0, 6).Select(_ => Task.Run(() => PostgresPeerStore.OpenAsync(_db.NewProcess(2), _db.Options))).ToArray();
        var stores = await Task.WhenAll(opens);
        await stores[0].SaveAsync(Changed(Clinic, Holds((OriginA, 2)), null));
        Assert.Equal(2UL, (await stores[5].LoadAsync())[Clinic].Holds[OriginA]);
        Assert.Equal("1", await _db.ScalarAsync<string>("SELECT value FROM {s}.meta WHERE key = 'schema_version'"));
    }

    private static VersionVector Holds(params (NodeId Origin, ulong Seq)[] entries)
    {
        var vector = new VersionVector();
        foreach (var (origin, seq) in entries) vector.Advance(origin, seq);
        return vector;
    }

    private static Dictionary<NodeId, PeerRecord> Changed(NodeId peer, VersionVector holds, string? fingerprint) =>
        new() { [peer] = new PeerRecord(holds, fingerprint) };
}

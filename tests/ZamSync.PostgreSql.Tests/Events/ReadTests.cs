namespace ZamSync.PostgreSql.Tests;

public sealed class ReadTests : IAsyncLifetime
{
    private static readonly NodeId Hub = new(1);
    private static readonly NodeId Low = new(2);
    private static readonly NodeId High = new(0x8000_0000_0000_0002); // sorts after Low as a ulong

    private readonly TestDatabase _db = TestDatabase.Create();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Fact]
    public async Task An_origin_reads_from_any_sequence_across_chunks_with_nothing_missing_or_repeated()
    {
        var store = await PostgresEventStore.OpenAsync(_db.NewProcess(), Hub, _db.Options with { ReadChunkRows = 7 });
        await store.AppendReplicatedAsync([.. Events.Range(Low, 1, 50), .. Events.Range(High, 1, 3)]);

        Assert.Equal(Enumerable.Range(1, 50).Select(i => (ulong)i), store.Read(Low, 0).Select(e => e.Envelope.Sequence));
        Assert.Equal(Enumerable.Range(29, 22).Select(i => (ulong)i), store.Read(Low, 29).Select(e => e.Envelope.Sequence));
        Assert.Empty(store.Read(Low, 51));
        Assert.Equal(50, await store.ReadAsync(Low, 1).CountAsync());
        Assert.All(store.Read(High, 1), e => Assert.Equal(High, e.Envelope.Origin));
    }

    [Fact]
    public async Task An_origins_read_is_an_index_range_scan()
    {
        var store = await PostgresEventStore.OpenAsync(_db.NewProcess(), Hub, _db.Options);
        for (ulong at = 1; at <= 20_000; at += 1_000)
            await store.AppendReplicatedAsync([.. Events.Range(Low, at, at + 999), .. Events.Range(High, at, at + 999)]);
        await _db.ScalarAsync<object>("ANALYZE {s}.events");
        string plan = await _db.ScalarAsync<string>(
            "EXPLAIN (FORMAT JSON) SELECT * FROM {s}.events WHERE origin = {s}.from_u64(2) AND seq >= {s}.from_u64(15000) ORDER BY seq LIMIT 1000");
        Assert.Contains("\"Index Name\": \"events_pkey\"", plan, StringComparison.Ordinal);
        string fold = await _db.ScalarAsync<string>(
            "EXPLAIN (FORMAT JSON) SELECT * FROM {s}.events WHERE (hlc_physical, hlc_logical, origin, seq) > (5000, 0, 0, 0) ORDER BY hlc_physical, hlc_logical, origin, seq LIMIT 1000");
        Assert.Contains("\"Index Name\": \"events_fold_order\"", fold, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_fold_order_is_hlc_then_origin_as_unsigned_then_sequence_across_chunks()
    {
        var store = await PostgresEventStore.OpenAsync(_db.NewProcess(), Hub, _db.Options with { ReadChunkRows = 3 });
        // Equal stamps across origins, so the tie-break on origin decides: High has the top bit set and must come after Low.
        var low = Enumerable.Range(1, 10).Select(i => Events.Replicated(Low, (ulong)i, physical: 100 + i / 2)).ToArray();
        var high = Enumerable.Range(1, 10).Select(i => Events.Replicated(High, (ulong)i, physical: 100 + i / 3)).ToArray();
        await store.AppendReplicatedAsync([.. high, .. low]);

        await store.RefreshAsync();
        var view = store.CaptureFold();
        Assert.Equal(20, view.Count);
        // Committed after the capture, sorting first (and not through the port, so not yet published): outside the view.
        await store.AppendReplicatedAsync([Events.Replicated(Low, 11, physical: 1)]);

        var expected = low.Concat(high).Select(e => e.Envelope.Key).Order().ToList();
        Assert.Equal(expected, store.ReadInFoldOrder(view).Select(e => e.Envelope.Key));
        Assert.Equal(expected, store.ReadFoldKeys(view));
        Assert.Equal(expected.Skip(8), store.ReadInFoldOrder(view, start: 8).Select(e => e.Envelope.Key));
        Assert.Equal(expected.Skip(8), store.ReadFoldKeys(view, start: 8));
        // The unbounded read is what this process has published, as on the embedded log; a refresh publishes the rest.
        Assert.Equal(20, store.ReadInFoldOrder().Count());
        await store.RefreshAsync();
        Assert.Equal(21, store.ReadInFoldOrder().Count());
        Assert.Equal(new Hlc(1, 0), store.ReadInFoldOrder().First().Envelope.Hlc);
    }

    [Fact]
    public async Task Quarantined_flags_payloads_and_stamps_come_back_as_stored()
    {
        var store = await PostgresEventStore.OpenAsync(_db.NewProcess(), Hub, _db.Options);
        var odd = new StoredEvent(new EventEnvelope(High, 1, new Hlc(-5, uint.MaxValue), uint.MaxValue, new byte[] { 0, 255, 7 }), Quarantined: true);
        await store.AppendReplicatedAsync([odd, Events.Replicated(High, 2)]);
        var read = store.Read(High, 1).ToList();
        Assert.True(read[0].Quarantined);
        Assert.False(read[1].Quarantined);
        Assert.Equal((odd.Envelope.Origin, odd.Envelope.Sequence, odd.Envelope.Hlc, odd.Envelope.EventType), (read[0].Envelope.Origin, read[0].Envelope.Sequence, read[0].Envelope.Hlc, read[0].Envelope.EventType));
        Assert.Equal(odd.Envelope.Payload.ToArray(), read[0].Envelope.Payload.ToArray());
    }

    [Fact]
    public async Task A_schema_belongs_to_one_hub_node()
    {
        await using var _ = await PostgresEventStore.OpenAsync(_db.NewProcess(), Hub, _db.Options);
        var refused = await Assert.ThrowsAsync<ZamException>(() => PostgresEventStore.OpenAsync(_db.NewProcess(), new NodeId(77), _db.Options));
        Assert.Contains("node 1", refused.Message, StringComparison.Ordinal);
    }
}

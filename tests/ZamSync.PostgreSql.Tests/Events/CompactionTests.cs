namespace ZamSync.PostgreSql.Tests;

public sealed class CompactionTests : IAsyncLifetime
{
    private static readonly NodeId Hub = new(1);
    private static readonly NodeId Clinic = new(2);
    private static readonly NodeId Other = new(3);

    private readonly TestDatabase _db = TestDatabase.Create();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Fact]
    public async Task Compaction_drops_what_is_at_or_below_the_floors_and_keeps_the_sequences_going()
    {
        var store = await PostgresEventStore.OpenAsync(_db.NewProcess(), Hub, _db.Options);
        var other = await PostgresEventStore.OpenAsync(_db.NewProcess(), Hub, _db.Options);
        await store.AppendReplicatedAsync([.. Events.Range(Clinic, 1, 30), .. Events.Range(Other, 1, 5)]);
        await store.AppendThroughPortAsync([new StoredEvent(new EventEnvelope(Hub, 1, new Hlc(50, 0), 1, new byte[] { 1 }))]);

        var floors = new VersionVector();
        floors.Advance(Clinic, 20);
        floors.Advance(Hub, 1);
        Assert.Equal(21L, await store.CompactAsync(floors));

        Assert.Equal(Enumerable.Range(21, 10).Select(i => (ulong)i), store.Read(Clinic, 21).Select(e => e.Envelope.Sequence));
        Assert.Equal(20UL, Assert.Throws<EventsCompactedException>(() => store.Read(Clinic, 1).ToList()).Floor);
        Assert.Equal(5, store.Read(Other, 1).Count());
        await store.RefreshAsync(); // publishes what the direct appends above committed
        Assert.Equal(15, store.ReadInFoldOrder().Count());
        Assert.Equal(30UL, store.Known[Clinic]);
        Assert.Equal(20UL, store.Floors[Clinic]);

        // Another process: replays of compacted events are replays, not holes; its next local event is #2, not #1.
        Assert.Equal(0, await other.AppendReplicatedAsync(Events.Range(Clinic, 1, 30)));
        Assert.Equal(1, await other.AppendReplicatedAsync(Events.Range(Clinic, 25, 31)));
        await other.RefreshAsync();
        Assert.Equal(1UL, other.HighestSequence(Hub));
        Assert.Equal(1UL, other.Floors[Hub]);
        // The highest stamp survives the dropped event, so a late-stamped own event is refused, a later one taken.
        var stale = new StoredEvent(new EventEnvelope(Hub, 2, new Hlc(49, 0), 1, new byte[] { 2 }));
        await Assert.ThrowsAsync<SequenceHoleException>(() => other.AppendThroughPortAsync([stale]));
        Assert.Equal(new Hlc(50, 0), other.HighStamp(Hub));
        await other.AppendThroughPortAsync([stale with { Envelope = stale.Envelope with { Hlc = new Hlc(51, 0) } }]);
        Assert.Equal(2UL, store.Read(Hub, 2).Single().Envelope.Sequence);
    }

    [Fact]
    public async Task A_floor_never_moves_down_and_one_above_what_is_held_changes_nothing()
    {
        var store = await PostgresEventStore.OpenAsync(_db.NewProcess(), Hub, _db.Options);
        await store.AppendReplicatedAsync([.. Events.Range(Clinic, 1, 10), .. Events.Range(Other, 1, 10)]);
        var floors = new VersionVector();
        floors.Advance(Clinic, 8);
        await store.CompactAsync(floors);

        var lower = new VersionVector();
        lower.Advance(Clinic, 3);
        Assert.Equal(0L, await store.CompactAsync(lower));
        Assert.Equal(8UL, (ulong)await _db.ScalarAsync<decimal>("SELECT {s}.u64(floor) FROM {s}.origins WHERE origin = {s}.from_u64(2)"));

        var tooFar = new VersionVector();
        tooFar.Advance(Other, 5);
        tooFar.Advance(Clinic, 11);
        await Assert.ThrowsAsync<ArgumentException>(() => store.CompactAsync(tooFar));
        Assert.Equal(12L, await _db.ScalarAsync<long>("SELECT count(*) FROM {s}.events"));
    }
}

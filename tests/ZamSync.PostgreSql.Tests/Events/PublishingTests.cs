namespace ZamSync.PostgreSql.Tests;

/// <summary>Each process hands the engine every committed event exactly once, in order per origin, whoever wrote it.</summary>
public sealed class PublishingTests : IAsyncLifetime
{
    private static readonly NodeId Hub = new(1);
    private static readonly NodeId Clinic = new(2);
    private static readonly NodeId Other = new(3);

    private readonly TestDatabase _db = TestDatabase.Create();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Fact]
    public async Task Another_processes_events_are_published_once_at_refresh_or_before_this_processes_next_commit_of_their_origin()
    {
        var seenByFirst = new List<CommittedBatch>();
        var seenBySecond = new List<CommittedBatch>();
        await using var first = await PostgresEventStore.OpenAsync(_db.NewProcess(), Hub, _db.Options with { ReadChunkRows = 4 }, seenByFirst.Add);
        await using var second = await PostgresEventStore.OpenAsync(_db.NewProcess(), Hub, _db.Options with { ReadChunkRows = 4 }, seenBySecond.Add);

        await first.AppendThroughPortAsync(Events.Range(Clinic, 1, 10));
        await first.AppendThroughPortAsync(Events.Range(Other, 1, 3));
        Assert.Empty(seenBySecond);

        // The second process appends the clinic's next events: the first's 1..10 reach its engine first, then its own.
        await second.RefreshAsync(); // learns Clinic up to 10 (and Other), publishing them in chunks of 4
        await second.AppendThroughPortAsync(Events.Range(Clinic, 11, 12));
        // The first has not seen 11..12 (its view says 10), so it sends 11..15: two replays, three new.
        await first.AppendThroughPortAsync(Events.Range(Clinic, 11, 15));
        await first.RefreshAsync();

        foreach (var seen in new[] { seenByFirst, seenBySecond })
        {
            var events = seen.SelectMany(b => b.Events).Select(e => (e.Envelope.Origin, e.Envelope.Sequence)).ToList();
            Assert.Equal(events.Distinct().Count(), events.Count);
            Assert.Equal(Enumerable.Range(1, seen == seenBySecond ? 12 : 15).Select(i => (ulong)i), events.Where(e => e.Origin == Clinic).Select(e => e.Sequence));
            Assert.Equal(3, events.Count(e => e.Origin == Other));
            Assert.Equal(Enumerable.Range(1, seen.Count).Select(i => (long)i), seen.Select(b => b.Number));
        }
        Assert.True(seenBySecond.Count >= 4, "published in chunks of the read size");
        Assert.Equal(15UL, first.HighestSequence(Clinic));
        Assert.Equal(15, first.CaptureFold().Count - 3);
    }

    [Fact]
    public async Task The_first_processes_own_next_commit_catches_up_before_its_events()
    {
        var seen = new List<CommittedBatch>();
        await using var first = await PostgresEventStore.OpenAsync(_db.NewProcess(), Hub, _db.Options, seen.Add);
        await using var second = await PostgresEventStore.OpenAsync(_db.NewProcess(), Hub, _db.Options);
        await first.AppendThroughPortAsync(Events.Range(Clinic, 1, 2));
        await second.AppendReplicatedAsync(Events.Range(Clinic, 1, 6));

        // The first's view says 2; the engine would skip 1..2 and send 3..8 — the database already has up to 6.
        await first.AppendThroughPortAsync(Events.Range(Clinic, 3, 8));
        Assert.Equal(Enumerable.Range(1, 8).Select(i => (ulong)i), seen.SelectMany(b => b.Events).Select(e => e.Envelope.Sequence));
        Assert.Equal(8L, await _db.ScalarAsync<long>("SELECT count(*) FROM {s}.events"));
    }

    [Fact]
    public async Task A_retry_after_a_lost_commit_acknowledgement_is_a_replay_published_once_not_a_hole()
    {
        var seen = new List<CommittedBatch>();
        await using var store = await PostgresEventStore.OpenAsync(_db.NewProcess(), Hub, _db.Options, seen.Add);
        var own = new[]
        {
            new StoredEvent(new EventEnvelope(Hub, 1, new Hlc(5_000, 0), 4, new byte[] { 1 })),
            new StoredEvent(new EventEnvelope(Hub, 2, new Hlc(5_001, 0), 4, new byte[] { 2 })),
        };
        // The transaction commits but its acknowledgement never reaches the process (the connection drops after
        // COMMIT): the database holds the rows, the process's view and its engine know nothing of them.
        await store.CommitAppendAsync([.. Events.Range(Clinic, 1, 5), .. own], CancellationToken.None);
        Assert.Empty(seen);
        Assert.Equal(0UL, store.HighestSequence(Clinic));

        // The engine sends the same events again (a peer resending them, the submitter's retry of its own).
        await store.AppendThroughPortAsync(Events.Range(Clinic, 1, 7));
        await store.AppendThroughPortAsync(own);

        var published = seen.SelectMany(b => b.Events).Select(e => (e.Envelope.Origin, e.Envelope.Sequence)).ToList();
        Assert.Equal(Enumerable.Range(1, 7).Select(i => (Clinic, (ulong)i)), published.Where(e => e.Origin == Clinic));
        Assert.Equal(new[] { (Hub, 1UL), (Hub, 2UL) }, published.Where(e => e.Origin == Hub));
        Assert.Equal(9L, await _db.ScalarAsync<long>("SELECT count(*) FROM {s}.events"));
        Assert.Equal(2UL, store.HighestSequence(Hub));

        // An own event at a taken sequence that is not the stored one is another process's: a hole, not a replay.
        var taken = new StoredEvent(new EventEnvelope(Hub, 3, new Hlc(6_000, 0), 4, new byte[] { 3 }));
        await store.CommitAppendAsync([taken], CancellationToken.None);
        Assert.True(store.TryAppend([taken with { Envelope = taken.Envelope with { Payload = new byte[] { 99 } } }], out var ticket, out _));
        var hole = await Assert.ThrowsAsync<SequenceHoleException>(() => store.WaitDurableAsync(ticket).AsTask());
        Assert.Equal(Hub, hole.Origin);
    }
}

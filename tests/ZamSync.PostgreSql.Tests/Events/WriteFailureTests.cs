namespace ZamSync.PostgreSql.Tests;

public sealed class WriteFailureTests : IAsyncLifetime
{
    private static readonly NodeId Hub = new(1);
    private static readonly NodeId Clinic = new(2);

    private readonly TestDatabase _db = TestDatabase.Create();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Fact]
    public async Task A_failed_write_fails_what_was_queued_behind_it_and_the_store_goes_on_afterwards()
    {
        var published = new List<CommittedBatch>();
        await using var store = await PostgresEventStore.OpenAsync(_db.NewProcess(), Hub, _db.Options, published.Add);
        await store.AppendThroughPortAsync(Events.Range(Clinic, 1, 5));

        // The database refuses every new row (as a full disk or a revoked grant would), while appends queue up.
        await _db.ScalarAsync<object>("ALTER TABLE {s}.events ADD CONSTRAINT refuse_all CHECK (false) NOT VALID");
        // Commits are paused while both queue, so the second is surely queued when the first fails.
        var pause = await store.PauseCommitsAsync();
        Assert.True(store.TryAppend(Events.Range(Clinic, 6, 8), out var failing, out _));
        Assert.True(store.TryAppend(Events.Range(Clinic, 9, 9), out var behind, out _));
        Assert.Equal(9UL, store.HighestSequence(Clinic)); // queued counts as held for the engine's next sequence
        await pause.DisposeAsync();
        var error = await Assert.ThrowsAsync<ZamStorageException>(() => store.WaitDurableAsync(failing).AsTask());
        Assert.Contains("PostgreSQL", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ZamStorageException>(() => store.WaitDurableAsync(behind).AsTask());

        Assert.Equal(1, store.WriteFailures);
        Assert.Equal(5UL, store.HighestSequence(Clinic)); // taken back
        Assert.Equal(5, published.Sum(b => b.Events.Count));

        await _db.ScalarAsync<object>("ALTER TABLE {s}.events DROP CONSTRAINT refuse_all");
        await store.AppendThroughPortAsync(Events.Range(Clinic, 6, 9));
        Assert.Equal(Enumerable.Range(1, 9).Select(i => (ulong)i), store.Read(Clinic, 1).Select(e => e.Envelope.Sequence));
        Assert.Equal(9, published.Sum(b => b.Events.Count));
    }

    [Fact]
    public async Task A_stopped_store_refuses_appends_after_committing_what_was_queued()
    {
        var store = await PostgresEventStore.OpenAsync(_db.NewProcess(), Hub, _db.Options);
        Assert.True(store.TryAppend(Events.Range(Clinic, 1, 100), out var queued, out _));
        await store.StopAsync();
        await store.WaitDurableAsync(queued);
        Assert.Throws<ObjectDisposedException>(() => store.TryAppend(Events.Range(Clinic, 101, 101), out _, out _));
        await store.DisposeAsync();
        Assert.Equal(100L, await _db.ScalarAsync<long>("SELECT count(*) FROM {s}.events"));
    }
}

namespace ZamSync.PostgreSql.Tests;

/// <summary>Two hub processes (two data sources, so two sets of real connections) appending to one schema at once.</summary>
public sealed class ConcurrentAppendTests : IAsyncLifetime
{
    private static readonly NodeId Hub = new(0xABCD);
    private static readonly NodeId Clinic = new(0x8000_0000_0000_0042);
    private static readonly NodeId OtherClinic = new(5);

    private readonly TestDatabase _db = TestDatabase.Create();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Theory]
    [InlineData(BatchWriteMethod.BinaryCopy)]
    [InlineData(BatchWriteMethod.UnnestInsert)]
    internal async Task Overlapping_batches_of_one_origin_from_two_processes_at_once_leave_no_duplicate_and_no_hole(BatchWriteMethod method)
    {
        var first = await PostgresEventStore.OpenAsync(_db.NewProcess(), Hub, _db.Options);
        var second = await PostgresEventStore.OpenAsync(_db.NewProcess(), Hub, _db.Options);
        first.WriteMethod = second.WriteMethod = method;
        const ulong total = 3_000;
        // The same clinic's stream reaching both processes in overlapping windows (a retried session, two links):
        // every window starts inside the previous one, so neither stream has a hole of its own.
        var windows = Enumerable.Range(0, 59).Select(i => Events.Range(Clinic, 1 + (ulong)i * 50, Math.Min(total, 100 + (ulong)i * 50))).ToArray();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task<int> Feed(PostgresEventStore store)
        {
            await start.Task;
            int appended = 0;
            foreach (var window in windows) appended += await store.AppendReplicatedAsync(window);
            return appended;
        }
        var feeds = new[] { Task.Run(() => Feed(first)), Task.Run(() => Feed(second)) };
        start.SetResult();
        var appended = await Task.WhenAll(feeds);

        // Each event was new to exactly one of the two transactions that carried it.
        Assert.Equal((int)total, appended.Sum());
        Assert.Equal((long)total, await _db.ScalarAsync<long>("SELECT count(*) FROM {s}.events"));
        Assert.Equal(total, (ulong)await _db.ScalarAsync<decimal>("SELECT {s}.u64(max(seq)) FROM {s}.events"));
        Assert.Equal(total, (ulong)await _db.ScalarAsync<decimal>("SELECT {s}.u64(held) FROM {s}.origins"));
        var read = await first.ReadAsync(Clinic, 1).ToListAsync();
        Assert.Equal(Enumerable.Range(1, (int)total).Select(i => (ulong)i), read.Select(e => e.Envelope.Sequence));
        Assert.All(read, e => Assert.Equal(Events.Payload(Clinic, e.Envelope.Sequence), e.Envelope.Payload.ToArray()));
        await second.RefreshAsync();
        Assert.Equal(total, second.HighestSequence(Clinic));
    }

    [Fact]
    public async Task Batches_naming_their_origins_in_opposite_orders_do_not_deadlock()
    {
        var first = await PostgresEventStore.OpenAsync(_db.NewProcess(), Hub, _db.Options);
        var second = await PostgresEventStore.OpenAsync(_db.NewProcess(), Hub, _db.Options);
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // A deadlock would end one transaction with PostgreSQL's 40P01; locking in origin order makes them queue.
        async Task Feed(PostgresEventStore store, bool clinicFirst)
        {
            await start.Task;
            for (ulong at = 1; at <= 400; at += 20)
            {
                var a = Events.Range(Clinic, at, at + 19);
                var b = Events.Range(OtherClinic, at, at + 19);
                await store.AppendReplicatedAsync(clinicFirst ? [.. a, .. b] : [.. b, .. a]);
            }
        }
        var feeds = new[] { Task.Run(() => Feed(first, true)), Task.Run(() => Feed(second, false)) };
        start.SetResult();
        await Task.WhenAll(feeds);
        Assert.Equal(800L, await _db.ScalarAsync<long>("SELECT count(*) FROM {s}.events"));
    }

    [Fact]
    public async Task A_hole_is_refused_with_its_exception_and_nothing_of_the_batch_is_kept()
    {
        var first = await PostgresEventStore.OpenAsync(_db.NewProcess(), Hub, _db.Options);
        var second = await PostgresEventStore.OpenAsync(_db.NewProcess(), Hub, _db.Options);
        await first.AppendReplicatedAsync(Events.Range(Clinic, 1, 10));

        // The second process has not seen 1..10 (its view is stale); the database's count decides, not its view.
        var hole = await Assert.ThrowsAsync<SequenceHoleException>(() =>
            second.AppendReplicatedAsync([.. Events.Range(OtherClinic, 1, 5), .. Events.Range(Clinic, 9, 11), Events.Replicated(Clinic, 13)]));
        Assert.Equal(Clinic, hole.Origin);
        Assert.Equal(12UL, hole.Expected);
        Assert.Equal(13UL, hole.Got);

        // Nothing of it: not the other origin's events, not the new origin's row, not #11.
        Assert.Equal(10L, await _db.ScalarAsync<long>("SELECT count(*) FROM {s}.events"));
        Assert.Equal(1L, await _db.ScalarAsync<long>("SELECT count(*) FROM {s}.origins"));
        Assert.Equal(10UL, (ulong)await _db.ScalarAsync<decimal>("SELECT {s}.u64(held) FROM {s}.origins"));
        Assert.Equal(0UL, second.HighestSequence(OtherClinic));

        // A hole at the very start of an unknown origin is one too.
        var first1 = await Assert.ThrowsAsync<SequenceHoleException>(() => second.AppendReplicatedAsync([Events.Replicated(OtherClinic, 2)]));
        Assert.Equal((1UL, 2UL), (first1.Expected, first1.Got));
    }

    [Fact]
    public async Task Local_events_from_two_processes_get_contiguous_sequences_and_rising_stamps()
    {
        var first = await PostgresEventStore.OpenAsync(_db.NewProcess(), Hub, _db.Options);
        var second = await PostgresEventStore.OpenAsync(_db.NewProcess(), Hub, _db.Options);
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // As the engine submits: count on the process's view, and when the database says another process took the
        // sequence (or stamped later), refresh and count again. The second clock is far behind the first.
        async Task<int> Submit(PostgresEventStore store, long clock)
        {
            await start.Task;
            var hlc = new Hlc(clock, 0);
            int retries = 0;
            for (int i = 0; i < 100; i++)
            {
                while (true)
                {
                    var high = store.HighStamp(Hub);
                    hlc = new Hlc(Math.Max(hlc.Physical, high.Physical) + 1, 0);
                    var e = new StoredEvent(new EventEnvelope(Hub, store.HighestSequence(Hub) + 1, hlc, 9, new byte[] { (byte)i, (byte)(clock % 251) }));
                    Assert.True(store.TryAppend([e], out var ticket, out _));
                    try
                    {
                        await store.WaitDurableAsync(ticket);
                        break;
                    }
                    catch (SequenceHoleException hole) when (hole.Origin == Hub)
                    {
                        retries++;
                        await store.RefreshAsync();
                    }
                }
            }
            return retries;
        }
        var submits = new[] { Task.Run(() => Submit(first, 1_000_000)), Task.Run(() => Submit(second, 10)) };
        start.SetResult();
        await Task.WhenAll(submits);

        var stored = first.Read(Hub, 1).ToList();
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (ulong)i), stored.Select(e => e.Envelope.Sequence));
        for (int i = 1; i < stored.Count; i++) Assert.True(stored[i].Envelope.Hlc > stored[i - 1].Envelope.Hlc, $"#{i + 1} is not stamped above #{i}");
        await first.RefreshAsync();
        await second.RefreshAsync();
        Assert.Equal(200UL, first.HighestSequence(Hub));
        Assert.Equal(stored[^1].Envelope.Hlc, second.HighStamp(Hub));
    }
}

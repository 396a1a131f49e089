using System.Text;
using ZamSync.Sync;
using ZamSync.Tests.Support;

namespace ZamSync.Tests.Changes;

/// <summary>
/// The change feed on real engines: held events then live ones, each once; a reader that stops reading costs the
/// engine a bounded buffer and still sees everything once it reads again; cancelling, closing and compaction end it
/// as documented.
/// </summary>
public class ChangeFeedTests
{
    private static readonly NodeId A = new(1), B = new(2), C = new(3);

    private static string Text(ChangeFeedEvent change) => Encoding.UTF8.GetString(change.Envelope.Payload.Span);

    private static CancellationTokenSource Timeout() => new(TimeSpan.FromSeconds(60));

    private static async Task<List<ChangeFeedEvent>> TakeAsync(IAsyncEnumerator<ChangeFeedEvent> feed, int count)
    {
        var taken = new List<ChangeFeedEvent>(count);
        while (taken.Count < count)
        {
            Assert.True(await feed.MoveNextAsync(), $"the feed ended after {taken.Count} of {count} events");
            taken.Add(feed.Current);
        }
        return taken;
    }

    [Fact]
    public async Task Held_events_come_first_then_live_ones_with_their_own_payload_copy()
    {
        using var temp = new TempDirectory("feed");
        await using var engine = await Nodes.OpenAsync(temp.Sub("a"), A.Value);
        await Nodes.SubmitManyAsync(engine, 3, "held");
        using var timeout = Timeout();
        await using var feed = engine.Changes(cancellationToken: timeout.Token).GetAsyncEnumerator();

        var held = await TakeAsync(feed, 3);
        Assert.Equal(["held-0", "held-1", "held-2"], held.Select(Text));
        Assert.Equal([1ul, 2ul, 3ul], held.Select(c => c.Envelope.Sequence));

        var next = feed.MoveNextAsync();
        Assert.False(next.IsCompleted, "nothing new was submitted");
        var buffer = Encoding.UTF8.GetBytes("live-0");
        await engine.SubmitAsync(7, buffer);
        buffer.AsSpan().Fill((byte)'x'); // a submitter may reuse its buffer once the submit returns
        Assert.True(await next);
        Assert.Equal((A, 4ul, 7u, "live-0", false),
            (feed.Current.Envelope.Origin, feed.Current.Envelope.Sequence, feed.Current.Envelope.EventType, Text(feed.Current), feed.Current.Quarantined));
        // The event is applied by the time the feed yields it.
        Assert.Equal(4, engine.Read(s => s.Count));
    }

    [Fact]
    public async Task An_event_that_arrives_live_while_the_reader_reads_the_log_is_yielded_once()
    {
        using var temp = new TempDirectory("feed");
        await using var engine = await Nodes.OpenAsync(temp.Sub("a"), A.Value);
        await Nodes.SubmitManyAsync(engine, 10, "held");
        using var timeout = Timeout();
        await using var feed = engine.Changes(cancellationToken: timeout.Token).GetAsyncEnumerator();
        // Halfway through the log: the reader is attached, so new events are fed to it, and its log read will find
        // them too once it reaches the end of what it read so far.
        await TakeAsync(feed, 5);
        await Nodes.SubmitManyAsync(engine, 3, "live");
        Assert.Equal(3, engine.ChangeFeed.Buffered);

        var rest = await TakeAsync(feed, 8);

        Assert.Equal(Enumerable.Range(6, 8).Select(i => (ulong)i), rest.Select(c => c.Envelope.Sequence));
        var next = feed.MoveNextAsync();
        Assert.False(next.IsCompleted, $"a duplicate followed: {(next.IsCompleted ? feed.Current.Envelope.ToString() : "")}");
        await engine.SubmitAsync(1, "one more"u8.ToArray());
        Assert.True(await next);
        Assert.Equal(14ul, feed.Current.Envelope.Sequence);
    }

    [Fact]
    public async Task Events_the_validator_refused_are_yielded_flagged_so_the_cursor_stays_contiguous()
    {
        using var temp = new TempDirectory("feed");
        await using var a = await Nodes.OpenAsync(temp.Sub("a"), A.Value);
        await using var b = await Nodes.OpenAsync(temp.Sub("b"), B.Value, new ZamEngineOptions { Validator = new RefuseType(9) });
        await a.SubmitAsync(1, "fine"u8.ToArray());
        await a.SubmitAsync(9, "refused here"u8.ToArray());
        await a.SubmitAsync(1, "fine again"u8.ToArray());
        await Nodes.SyncAsync(a, b);
        using var timeout = Timeout();
        await using var feed = b.Changes(cancellationToken: timeout.Token).GetAsyncEnumerator();

        var changes = await TakeAsync(feed, 3);

        Assert.Equal([(1ul, false), (2ul, true), (3ul, false)], changes.Select(c => (c.Envelope.Sequence, c.Quarantined)));
        Assert.Equal(2, b.Read(s => s.Count));
    }

    private sealed class RefuseType(uint type) : IEventValidator
    {
        public string? Validate(in EventEnvelope envelope) => envelope.EventType == type ? $"type {type} is not accepted here" : null;
    }

    [Fact]
    public async Task Concurrent_submitters_and_sessions_while_reading_yield_every_event_once_in_sequence_order()
    {
        const int perSubmitter = 300, submitters = 2, perPeer = 300;
        using var temp = new TempDirectory("feed");
        await using var hub = await Nodes.OpenAsync(temp.Sub("hub"), A.Value);
        await using var b = await Nodes.OpenAsync(temp.Sub("b"), B.Value);
        await using var c = await Nodes.OpenAsync(temp.Sub("c"), C.Value);
        await Task.WhenAll(Nodes.SubmitManyAsync(b, perPeer, "b"), Nodes.SubmitManyAsync(c, perPeer, "c"));
        int total = perSubmitter * submitters + 2 * perPeer;
        using var timeout = Timeout();
        // A small buffer, so the reader keeps falling behind and catching up from the log while events arrive.
        await using var feed = hub.Changes(null, new ChangeFeedOptions { Capacity = 8 }, timeout.Token).GetAsyncEnumerator();
        var reading = Task.Run(() => TakeAsync(feed, total));

        var small = new SyncOptions { MaxBatchEvents = 16 };
        await Task.WhenAll(
            Task.Run(() => Nodes.SubmitManyAsync(hub, perSubmitter, "s1")),
            Task.Run(() => Nodes.SubmitManyAsync(hub, perSubmitter, "s2")),
            Task.Run(() => Nodes.SyncAsync(b, hub, options: small)),
            Task.Run(() => Nodes.SyncAsync(c, hub, options: small)));
        var changes = await reading;

        AssertEachOriginContiguous(changes, hub.Known);
        Assert.True(hub.ChangeFeed.HighWater <= 8, $"a reader's buffer held {hub.ChangeFeed.HighWater} events");
    }

    [Fact]
    public async Task A_reader_that_stops_reading_keeps_the_engine_buffer_bounded_and_then_sees_every_event_once()
    {
        const int events = 100_000, submitters = 50, capacity = 1024;
        using var temp = new TempDirectory("feed");
        await using var engine = await Nodes.OpenAsync(temp.Sub("a"), A.Value);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await using var feed = engine.Changes(null, new ChangeFeedOptions { Capacity = capacity }, timeout.Token).GetAsyncEnumerator();
        var first = feed.MoveNextAsync(); // subscribes, then waits for the first event

        await Task.WhenAll(Enumerable.Range(0, submitters).Select(i => Task.Run(() => Nodes.SubmitManyAsync(engine, events / submitters, $"s{i}"))));

        Assert.True(await first);
        // The reader took one event and then read nothing while 99,999 more became durable.
        Assert.Equal(capacity, engine.ChangeFeed.HighWater);
        Assert.InRange(engine.ChangeFeed.Buffered, 0, capacity);
        Assert.True(engine.ChangeFeed.FellBehind >= 1, "the full buffer should have dropped the reader to the log");

        var changes = new List<ChangeFeedEvent> { feed.Current };
        changes.AddRange(await TakeAsync(feed, events - 1));
        Assert.Equal(Enumerable.Range(1, events).Select(i => (ulong)i), changes.Select(c => c.Envelope.Sequence));
        Assert.Equal(capacity, engine.ChangeFeed.HighWater);

        // Caught up, it is fed live again.
        var next = feed.MoveNextAsync();
        await engine.SubmitAsync(1, "after"u8.ToArray());
        Assert.True(await next);
        Assert.Equal(("after", (ulong)events + 1), (Text(feed.Current), feed.Current.Envelope.Sequence));
    }

    [Fact]
    public async Task Cancelling_ends_the_enumeration_and_unsubscribes_the_reader()
    {
        using var temp = new TempDirectory("feed");
        await using var engine = await Nodes.OpenAsync(temp.Sub("a"), A.Value);
        await Nodes.SubmitManyAsync(engine, 2);
        using var cancel = new CancellationTokenSource();
        await using var feed = engine.Changes(cancellationToken: cancel.Token).GetAsyncEnumerator();
        await TakeAsync(feed, 2);
        var waiting = feed.MoveNextAsync();
        Assert.Equal(1, engine.ChangeFeed.Readers);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await waiting);
        Assert.Equal(0, engine.ChangeFeed.Readers);
    }

    [Fact]
    public async Task Disposing_the_engine_ends_live_and_lagging_enumerations_and_a_closed_engine_refuses_new_ones()
    {
        using var temp = new TempDirectory("feed");
        var engine = await Nodes.OpenAsync(temp.Sub("a"), A.Value);
        await Nodes.SubmitManyAsync(engine, 1);
        using var timeout = Timeout();
        await using var live = engine.Changes(cancellationToken: timeout.Token).GetAsyncEnumerator();
        await TakeAsync(live, 1);
        var waiting = live.MoveNextAsync();
        // A second reader with room for one event falls behind and is reading nothing when the engine closes.
        await using var lagging = engine.Changes(null, new ChangeFeedOptions { Capacity = 1 }, timeout.Token).GetAsyncEnumerator();
        await TakeAsync(lagging, 1);
        await Nodes.SubmitManyAsync(engine, 5);
        Assert.True(await waiting);

        await engine.DisposeAsync();

        // The live reader drains what was buffered for it (4 more), then its feed ends.
        Assert.Equal(4, (await TakeRestAsync(live)).Count);
        // The lagging one gets what its buffer held and cannot read the closed log: it ends too, without an error.
        Assert.InRange((await TakeRestAsync(lagging)).Count, 0, 1);
        Assert.Throws<ObjectDisposedException>(() => engine.Changes());
    }

    private static async Task<List<ChangeFeedEvent>> TakeRestAsync(IAsyncEnumerator<ChangeFeedEvent> feed)
    {
        var rest = new List<ChangeFeedEvent>();
        while (await feed.MoveNextAsync()) rest.Add(feed.Current);
        return rest;
    }

    [Fact]
    public async Task A_cursor_below_the_compacted_floor_is_refused_and_the_floors_are_a_valid_start()
    {
        using var temp = new TempDirectory("feed");
        await using var a = await Nodes.OpenAsync(temp.Sub("a"), A.Value);
        await using var b = await Nodes.OpenAsync(temp.Sub("b"), B.Value);
        await Nodes.SubmitManyAsync(b, 3, "b");
        await Nodes.SubmitManyAsync(a, 5, "a");
        await Nodes.SyncAsync(a, b);
        await Nodes.SubmitManyAsync(a, 3, "a-late");
        var compacted = await a.CompactAsync();
        Assert.True(compacted.EventsDropped > 0, $"nothing was compacted ({compacted.StoppedBy})");
        using var timeout = Timeout();

        var ex = await Assert.ThrowsAsync<EventsCompactedException>(async () =>
        {
            await foreach (var _ in a.Changes(cancellationToken: timeout.Token)) { }
        });
        Assert.Contains("change feed", ex.Message, StringComparison.Ordinal);

        var floors = a.Compacted;
        await using var feed = a.Changes(floors, timeout.Token).GetAsyncEnumerator();
        var known = a.Known;
        int remaining = known.Origins.Sum(o => (int)(known[o] - floors[o]));
        var changes = await TakeAsync(feed, remaining);
        Assert.All(changes, c => Assert.True(c.Envelope.Sequence > floors[c.Envelope.Origin]));
        Assert.Equal(remaining, changes.Select(c => c.Envelope.Key).Distinct().Count());
    }

    [Fact]
    public async Task A_lagging_reader_whose_cursor_was_compacted_away_meanwhile_is_refused()
    {
        using var temp = new TempDirectory("feed");
        await using var a = await Nodes.OpenAsync(temp.Sub("a"), A.Value);
        await using var b = await Nodes.OpenAsync(temp.Sub("b"), B.Value);
        using var timeout = Timeout();
        await using var feed = a.Changes(null, new ChangeFeedOptions { Capacity = 1 }, timeout.Token).GetAsyncEnumerator();
        var first = feed.MoveNextAsync();
        await Nodes.SubmitManyAsync(a, 1, "a");
        Assert.True(await first); // took A#1
        await Nodes.SubmitManyAsync(a, 4, "a"); // A#2 waits in its buffer, the rest only in the log
        await Nodes.SubmitManyAsync(b, 3, "b");
        await Nodes.SyncAsync(a, b);
        await Nodes.SubmitManyAsync(a, 3, "a-late");
        var compacted = await a.CompactAsync();
        Assert.True(a.Compacted[A] > 2, $"compaction kept what the reader still needs ({compacted.StoppedBy}, floors {a.Compacted})");

        Assert.True(await feed.MoveNextAsync());
        Assert.Equal(2ul, feed.Current.Envelope.Sequence); // what was buffered is still served

        var ex = await Assert.ThrowsAsync<EventsCompactedException>(async () => await feed.MoveNextAsync());
        Assert.Equal((A, 3ul), (ex.Origin, ex.Requested));
    }

    /// <summary>Every origin's events are 1..Known[origin] in order, each once.</summary>
    internal static void AssertEachOriginContiguous(IReadOnlyList<ChangeFeedEvent> changes, VersionVector known, string context = "")
    {
        foreach (var group in changes.GroupBy(c => c.Envelope.Origin))
        {
            var sequences = group.Select(c => c.Envelope.Sequence).ToList();
            Assert.True(sequences.SequenceEqual(Enumerable.Range(1, sequences.Count).Select(i => (ulong)i)),
                $"{context}origin {group.Key}: {string.Join(",", sequences.Take(50))}...");
        }
        Assert.Equal(known.Origins.Sum(o => (long)known[o]), changes.Count);
    }
}

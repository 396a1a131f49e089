using ZamSync.Tests.Support;

namespace ZamSync.Tests.Sync;

/// <summary>Replicated events that sort before what a node already holds ("late" events).</summary>
public abstract class LateEventSuite : StoreSuite
{
    [Fact]
    public async Task A_late_event_re_folds_the_state_into_the_agreed_order()
    {
        using var dir = new TempDirectory();
        await using var recent = await OpenAsync(dir.Sub("recent"), 1, new ZamEngineOptions { TimeProvider = new ManualTimeProvider(2_000_000_000) });
        await using var old = await OpenAsync(dir.Sub("old"), 2, new ZamEngineOptions { TimeProvider = new ManualTimeProvider(1_000_000_000) });
        await Sessions.SubmitConcurrentlyAsync(recent, 20, "recent");
        await Sessions.SubmitConcurrentlyAsync(old, 3, "old");
        int resets = recent.State.Resets;

        (await Sessions.RunAsync(old, recent)).Require();

        Assert.True(recent.State.Resets > resets);
        Assert.StartsWith("2#1:", recent.State.Entries[0], StringComparison.Ordinal); // the old events come first
        Assert.Equal(Sessions.ReferenceHash(recent.ReadAllEvents()), recent.State.Hash());
        Assert.Equal(old.State.Hash(), recent.State.Hash());
    }

    [Fact]
    public async Task Reading_every_event_while_a_late_event_arrives_does_not_fail()
    {
        using var dir = new TempDirectory();
        await using var hub = await OpenAsync(dir.Sub("hub"), 1, new ZamEngineOptions { TimeProvider = new ManualTimeProvider(2_000_000_000) });
        await using var old = await OpenAsync(dir.Sub("old"), 2, new ZamEngineOptions { TimeProvider = new ManualTimeProvider(1_000_000_000) });
        await Sessions.SubmitConcurrentlyAsync(hub, 600, "hub"); // more than one read chunk
        await Sessions.SubmitConcurrentlyAsync(old, 2, "old");

        // A reader (a projection, an audit export) is part-way through the log ...
        using var reader = hub.ReadAllEvents().GetEnumerator();
        Assert.True(reader.MoveNext());
        // ... when a session brings events that sort before everything it holds.
        (await Sessions.RunAsync(old, hub)).Require();
        int read = 1;
        while (reader.MoveNext()) read++;

        Assert.Equal(600, read); // the events held when the read began
        Assert.Equal(602, hub.ReadAllEvents().Count());
        Assert.Equal(old.State.Hash(), hub.State.Hash());
    }

    [Fact]
    public async Task A_reader_part_way_through_when_the_log_is_compacted_is_told_so()
    {
        using var dir = new TempDirectory();
        await using var hub = await OpenAsync(dir.Sub("hub"), 1);
        await using var peer = await OpenAsync(dir.Sub("peer"), 2);
        await Sessions.SubmitConcurrentlyAsync(hub, 600, "hub");
        (await Sessions.RunAsync(peer, hub)).Require(); // the peer holds everything: all of it may be compacted
        // ... once the hub has the peer's frontier past it. The first handshake's claim is the peer's clock before it
        // saw the hub's stamps, and concurrent submits stamp many events within one millisecond: when the session began
        // in that millisecond, the claim sat below the last few and compaction stopped there (598 of 600, now and then).
        // The second handshake claims a clock that has observed every stamp the peer received.
        (await Sessions.RunAsync(peer, hub)).Require();

        using var reader = hub.ReadAllEvents().GetEnumerator();
        Assert.True(reader.MoveNext());
        Assert.Equal(600, (await hub.CompactAsync()).EventsDropped);

        var error = Assert.Throws<InvalidOperationException>(() => { while (reader.MoveNext()) { } });
        Assert.Contains("compacted", error.Message);
        Assert.Equal(600, hub.State.Count); // the state keeps them, from the snapshot
    }
}

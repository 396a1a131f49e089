using ZamSync.Tests.Support;

namespace ZamSync.Tests.Sync;

/// <summary>
/// The byte budget is a hard cap on what each side sends (REFERENCE.md §3: the original overshoots by a batch
/// and leaves hub → clinic uncapped), and a capped session resumes without resending.
/// </summary>
public class BudgetTests
{
    [Fact]
    public async Task A_capped_upload_stops_at_the_budget_and_the_next_session_sends_only_the_rest()
    {
        using var dir = new TempDirectory();
        await using var clinic = await Nodes.OpenAsync(dir.Sub("clinic"), 1);
        await using var hub = await Nodes.OpenAsync(dir.Sub("hub"), 2);
        await Sessions.SubmitConcurrentlyAsync(clinic, 300, "c");

        var (first, firstServer) = (await Sessions.RunAsync(clinic, hub, s => s.WithMaxBytes(1024))).Require();

        Assert.True(first.BudgetExhausted);
        Assert.True(firstServer.BudgetExhausted); // the hub learns the clinic stopped early
        Assert.InRange(first.BytesSent, 1, 1024);
        Assert.InRange(first.EventsSent, 1, 299);
        ulong held = hub.Known[clinic.NodeId];
        Assert.Equal((ulong)first.EventsSent, held);
        Assert.Equal(first.EventsSent, firstServer.EventsReceived);
        Assert.Equal(first.EventsSent, hub.State.Count);

        var (second, secondServer) = (await Sessions.RunAsync(clinic, hub)).Require();

        Assert.False(second.BudgetExhausted);
        Assert.Equal(300UL, hub.Known[clinic.NodeId]);
        Assert.Equal(300 - first.EventsSent, second.EventsSent); // nothing resent
        Assert.Equal(second.EventsSent, secondServer.EventsReceived);
        Assert.Equal(clinic.State.Hash(), hub.State.Hash());
    }

    [Fact]
    public async Task The_initiators_budget_also_caps_what_the_responder_sends_back()
    {
        const long Cap = 2048;
        using var dir = new TempDirectory();
        await using var clinic = await Nodes.OpenAsync(dir.Sub("clinic"), 1);
        await using var hub = await Nodes.OpenAsync(dir.Sub("hub"), 2);
        await Sessions.SubmitConcurrentlyAsync(hub, 300, "h");

        var (first, firstServer) = (await Sessions.RunAsync(clinic, hub, s => s.WithMaxBytes(Cap))).Require();

        Assert.InRange(firstServer.BytesSent, 1, Cap);
        Assert.Equal(firstServer.BytesSent, first.BytesReceived);
        Assert.True(first.BudgetExhausted);
        Assert.True(firstServer.BudgetExhausted);
        Assert.InRange(first.EventsReceived, 1, 299);

        int sessions = 1, sent = firstServer.EventsSent;
        while (clinic.Known[hub.NodeId] < 300)
        {
            Assert.True(++sessions <= 20, "capped sessions made no progress");
            var (client, server) = (await Sessions.RunAsync(clinic, hub, s => s.WithMaxBytes(Cap))).Require();
            Assert.InRange(server.BytesSent, 1, Cap);
            Assert.InRange(client.BytesSent, 1, Cap);
            Assert.True(server.EventsSent > 0);
            Assert.Equal(clinic.Known[hub.NodeId] < 300, client.BudgetExhausted);
            sent += server.EventsSent;
        }
        Assert.Equal(300, sent); // every event exactly once over all the sessions
        Assert.Equal(300, clinic.State.Count);
        Assert.Equal(hub.State.Hash(), clinic.State.Hash());
    }

    [Fact]
    public async Task Repeated_capped_sessions_deliver_both_directions_without_resending()
    {
        const long Cap = 1500;
        using var dir = new TempDirectory();
        await using var a = await Nodes.OpenAsync(dir.Sub("a"), 1);
        await using var b = await Nodes.OpenAsync(dir.Sub("b"), 2);
        await Sessions.SubmitConcurrentlyAsync(a, 600, "a");
        await Sessions.SubmitConcurrentlyAsync(b, 450, "b");

        int aSent = 0, bSent = 0, sessions = 0;
        while (!(a.Known.Equals(b.Known) && a.Known[a.NodeId] == 600 && a.Known[b.NodeId] == 450))
        {
            Assert.True(++sessions <= 30, "capped sessions made no progress");
            var (client, server) = (await Sessions.RunAsync(a, b, s => s.WithMaxBytes(Cap))).Require();
            Assert.InRange(client.BytesSent, 1, Cap);
            Assert.InRange(server.BytesSent, 1, Cap);
            aSent += client.EventsSent;
            bSent += server.EventsSent;
        }
        Assert.True(sessions > 2);
        Assert.Equal(600, aSent);
        Assert.Equal(450, bSent);
        Assert.Equal(a.State.Hash(), b.State.Hash());
    }

    [Fact]
    public async Task A_budget_below_the_control_messages_sends_nothing_past_it_and_fails_saying_so()
    {
        using var dir = new TempDirectory();
        await using var a = await Nodes.OpenAsync(dir.Sub("a"), 1);
        await using var b = await Nodes.OpenAsync(dir.Sub("b"), 2);
        await Sessions.SubmitConcurrentlyAsync(a, 10, "a");
        await Sessions.SubmitConcurrentlyAsync(b, 10, "b");

        var outcome = await Sessions.RunAsync(a, b, s => s.WithMaxBytes(1));

        // The cap is hard for control messages too (issue 9): not even the handshake goes.
        var error = Assert.IsType<SyncBudgetException>(outcome.InitiatorError);
        Assert.Equal(0, error.Stats!.BytesSent);
        Assert.IsType<SyncDisconnectedException>(outcome.ResponderError);
        Assert.Equal(10UL, a.Known[a.NodeId]);
        Assert.Equal(0UL, a.Known[b.NodeId]);
    }

    [Fact]
    public async Task A_capped_session_then_compaction_on_both_sides_still_delivers_every_event()
    {
        using var dir = new TempDirectory();
        // The hub's events are older than the clinic's backlog (a clinic that was offline): what each side
        // compacts then sorts before everything it still has to receive.
        var hubClock = new ManualTimeProvider(1_000_000_000);
        var clinicClock = new ManualTimeProvider(1_000_500_000);
        await using var clinic = await Nodes.OpenAsync(dir.Sub("clinic"), 1, new ZamEngineOptions { TimeProvider = clinicClock });
        await using var hub = await Nodes.OpenAsync(dir.Sub("hub"), 2, new ZamEngineOptions { TimeProvider = hubClock });
        await Sessions.SubmitConcurrentlyAsync(hub, 20, "h");
        await Sessions.SubmitConcurrentlyAsync(clinic, 300, "c");
        // The hub's clock catches up: its handshake promises that its events still to come sort after the backlog (the
        // clinic's stamps ran ahead of its wall clock by a logical tick each, so "caught up" is a millisecond later).
        hubClock.UnixMilliseconds = clinicClock.UnixMilliseconds + 1;

        var (capped, _) = (await Sessions.RunAsync(clinic, hub, s => s.WithMaxBytes(2048))).Require();
        Assert.True(capped.BudgetExhausted);
        ulong hubHeld = hub.Known[clinic.NodeId];
        Assert.InRange(hubHeld, 1UL, 299UL);
        Assert.Equal(20UL, clinic.Known[hub.NodeId]);

        var clinicCompaction = await clinic.CompactAsync();
        var hubCompaction = await hub.CompactAsync();

        // Each side dropped what the other provably holds, and nothing else.
        Assert.Equal(20 + (int)hubHeld, clinicCompaction.EventsDropped);
        Assert.Equal(20 + (int)hubHeld, hubCompaction.EventsDropped);
        Assert.Equal(300UL, clinic.Known[clinic.NodeId]); // compaction forgets no origin
        Assert.Equal(hubHeld + 1, clinic.ReadEvents(clinic.NodeId, hubHeld + 1).First().Sequence);
        Assert.Throws<EventsCompactedException>(() => clinic.ReadEvents(clinic.NodeId, hubHeld).ToList());

        var (resume, resumeServer) = (await Sessions.RunAsync(clinic, hub)).Require();

        Assert.False(resume.BudgetExhausted);
        Assert.Equal(300 - (int)hubHeld, resume.EventsSent);
        Assert.Equal(resume.EventsSent, resumeServer.EventsReceived);
        Assert.Equal(clinic.Known, hub.Known);
        Assert.Equal(300UL, hub.Known[clinic.NodeId]);
        Assert.Equal(320, hub.State.Count);
        Assert.Equal(320, clinic.State.Count);
        Assert.Equal(320, hub.State.Entries.Distinct().Count());
        Assert.Equal(clinic.State.Hash(), hub.State.Hash());
        Assert.Equal(clinic.State.Entries, hub.State.Entries);
    }

    [Fact]
    public async Task Compaction_after_a_capped_session_keeps_events_the_peer_lacks_and_the_same_fold_order()
    {
        using var dir = new TempDirectory();
        // The clinic's backlog is older than the hub's events, and the clinic told the hub in its handshake that
        // it holds events the hub lacks: compaction must stop where those can sort, so every event arrives and
        // both folds end in the same order.
        var clinicClock = new ManualTimeProvider(1_000_000_000);
        var hubClock = new ManualTimeProvider(1_000_500_000);
        await using var clinic = await Nodes.OpenAsync(dir.Sub("clinic"), 1, new ZamEngineOptions { TimeProvider = clinicClock });
        await using var hub = await Nodes.OpenAsync(dir.Sub("hub"), 2, new ZamEngineOptions { TimeProvider = hubClock });
        await Sessions.SubmitConcurrentlyAsync(clinic, 300, "c");
        await Sessions.SubmitConcurrentlyAsync(hub, 100, "h");
        clinicClock.UnixMilliseconds = hubClock.UnixMilliseconds;

        // Small enough to stop both directions (the hub's 100 events take about 900 bytes).
        var (capped, _) = (await Sessions.RunAsync(clinic, hub, s => s.WithMaxBytes(640))).Require();
        Assert.True(capped.BudgetExhausted);
        Assert.True(hub.Known[clinic.NodeId] < 300);
        Assert.True(clinic.Known[hub.NodeId] < 100);

        Assert.True((await clinic.CompactAsync()).EventsDropped > 0);
        Assert.True((await hub.CompactAsync()).EventsDropped > 0);

        for (int i = 0; i < 3 && !clinic.Known.Equals(hub.Known); i++) (await Sessions.RunAsync(clinic, hub)).Require();

        Assert.Equal(300UL, hub.Known[clinic.NodeId]);
        Assert.Equal(100UL, clinic.Known[hub.NodeId]);
        Assert.Equal(clinic.Known, hub.Known);
        Assert.Equal(400, clinic.State.Count);
        Assert.Equal(400, hub.State.Count);
        Assert.Equal(clinic.State.Entries, hub.State.Entries);
        Assert.Equal(400, hub.State.Entries.Distinct().Count());
    }

    [Fact]
    public async Task A_new_peer_needing_compacted_events_fails_there_and_syncs_from_a_node_that_kept_them()
    {
        using var dir = new TempDirectory();
        await using var a = await Nodes.OpenAsync(dir.Sub("a"), 1);
        await using var b = await Nodes.OpenAsync(dir.Sub("b"), 2);
        await using var newcomer = await Nodes.OpenAsync(dir.Sub("newcomer"), 3);
        await Sessions.SubmitConcurrentlyAsync(a, 30, "a");
        (await Sessions.RunAsync(a, b)).Require();
        Assert.Equal(30, (await a.CompactAsync()).EventsDropped);

        var outcome = await Sessions.RunAsync(newcomer, a);

        var compacted = Assert.IsType<EventsCompactedException>(outcome.ResponderError);
        Assert.Equal(a.NodeId, compacted.Origin);
        Assert.Equal(1UL, compacted.Requested);
        Assert.Equal(30UL, compacted.Floor);
        Assert.IsAssignableFrom<ZamException>(outcome.InitiatorError);
        Assert.Equal(0UL, newcomer.Known[a.NodeId]);

        // A node that still holds them serves the newcomer.
        (await Sessions.RunAsync(newcomer, b)).Require();
        Assert.Equal(30UL, newcomer.Known[a.NodeId]);
        Assert.Equal(a.State.Hash(), newcomer.State.Hash());
    }

    [Fact]
    public async Task Compaction_right_after_a_capped_session_keeps_the_states_equal()
    {
        using var dir = new TempDirectory();
        var clinicClock = new ManualTimeProvider(1_000_000_000);
        var hubClock = new ManualTimeProvider(1_000_500_000);
        await using var clinic = await Nodes.OpenAsync(dir.Sub("clinic"), 1, new ZamEngineOptions { TimeProvider = clinicClock });
        await using var hub = await Nodes.OpenAsync(dir.Sub("hub"), 2, new ZamEngineOptions { TimeProvider = hubClock });
        await Sessions.SubmitConcurrentlyAsync(clinic, 300, "c");
        await Sessions.SubmitConcurrentlyAsync(hub, 100, "h");
        clinicClock.UnixMilliseconds = hubClock.UnixMilliseconds;

        (await Sessions.RunAsync(clinic, hub, s => s.WithMaxBytes(2048))).Require();
        await clinic.CompactAsync();
        await hub.CompactAsync();
        for (int i = 0; i < 3 && !clinic.Known.Equals(hub.Known); i++) (await Sessions.RunAsync(clinic, hub)).Require();

        Assert.Equal(clinic.Known, hub.Known);
        Assert.Equal(clinic.State.Entries, hub.State.Entries);
    }
}

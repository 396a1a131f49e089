using System.Text;
using ZamSync.Tests.Support;

namespace ZamSync.Tests.Engine;

/// <summary>
/// Compaction and clocks: an origin's events still to come must never sort before what a node compacted, and a
/// node's own stamps must keep rising across compaction, reopen and a clock set back. Each test is a defect that
/// randomised worlds found: the same events, and different states forever.
/// </summary>
public class FrontierTests
{
    private static readonly long T0 = 1_700_000_000_000;

    private static ZamEngineOptions At(ManualTimeProvider clock, TimeSpan? drift = null) =>
        new() { TimeProvider = clock, MaxClockDrift = drift ?? TimeSpan.FromMinutes(15) };

    private static byte[] Text(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public async Task Own_stamps_keep_rising_after_compaction_reopen_and_a_clock_set_back_an_hour()
    {
        using var temp = new TempDirectory("frontier");
        var clock = new ManualTimeProvider(T0);
        var peerClock = new ManualTimeProvider(T0);
        string dir = temp.Sub("a");
        EventEnvelope first;
        await using (var peer = await Nodes.OpenAsync(temp.Sub("b"), 2, At(peerClock)))
        await using (var a = await Nodes.OpenAsync(dir, 1, At(clock)))
        {
            first = await a.SubmitAsync(1, Text("first"));
            (await Sessions.RunAsync(a, peer)).Require();
            Assert.Equal(1, (await a.CompactAsync()).EventsDropped); // the log no longer holds #1
        }

        clock.Advance(TimeSpan.FromHours(-1));
        await using var reopened = await Nodes.OpenAsync(dir, 1, At(clock));
        var second = await reopened.SubmitAsync(1, Text("second"));

        Assert.True(second.Hlc > first.Hlc, $"#2 stamped {second.Hlc} sorts before #1 stamped {first.Hlc}");
    }

    [Fact]
    public async Task Own_stamps_keep_rising_after_compaction_when_a_peer_had_pulled_the_clock_ahead()
    {
        using var temp = new TempDirectory("frontier");
        var clock = new ManualTimeProvider(T0);
        var peerClock = new ManualTimeProvider(T0 + 5 * 60_000); // five minutes ahead: within the drift bound
        string dir = temp.Sub("a");
        EventEnvelope first;
        await using (var peer = await Nodes.OpenAsync(temp.Sub("b"), 2, At(peerClock)))
        await using (var a = await Nodes.OpenAsync(dir, 1, At(clock)))
        {
            await peer.SubmitAsync(1, Text("ahead"));
            (await Sessions.RunAsync(a, peer)).Require();
            first = await a.SubmitAsync(1, Text("first")); // stamped after the peer's event, ahead of our wall clock
            (await Sessions.RunAsync(a, peer)).Require();
            Assert.Equal(2, (await a.CompactAsync()).EventsDropped);
        }

        await using var reopened = await Nodes.OpenAsync(dir, 1, At(clock)); // wall clock unchanged, still behind
        var second = await reopened.SubmitAsync(1, Text("second"));

        Assert.True(second.Hlc > first.Hlc, $"#2 stamped {second.Hlc} sorts before #1 stamped {first.Hlc}");
    }

    [Fact]
    public async Task A_node_whose_clock_is_behind_beyond_the_drift_bound_cannot_make_a_compacted_peer_diverge()
    {
        using var temp = new TempDirectory("frontier");
        var fastClock = new ManualTimeProvider(T0);
        var slowClock = new ManualTimeProvider(T0 - 20 * 60_000); // twenty minutes behind
        var drift = TimeSpan.FromMinutes(1);
        await using var fast = await Nodes.OpenAsync(temp.Sub("fast"), 1, At(fastClock, drift));
        await using var slow = await Nodes.OpenAsync(temp.Sub("slow"), 2, At(slowClock, drift));

        await slow.SubmitAsync(1, Text("s1"));
        for (int i = 0; i < 5; i++) await fast.SubmitAsync(1, Text($"f{i}"));
        (await Sessions.RunAsync(slow, fast)).Require(); // fast's stamps are too far ahead to move slow's clock
        await fast.CompactAsync();

        await slow.SubmitAsync(1, Text("s2")); // stamped before fast's events
        (await Sessions.RunAsync(slow, fast)).Require();

        Assert.Equal(slow.Known, fast.Known);
        Assert.Equal(slow.Read(s => s.Hash()), fast.Read(s => s.Hash()));
        Assert.Equal(Sessions.ReferenceHash(slow.ReadAllEvents()), fast.Read(s => s.Hash()));
    }

    [Fact]
    public async Task A_relaying_clinic_that_compacts_stays_equal_when_an_offline_clinics_older_event_arrives_later()
    {
        using var temp = new TempDirectory("frontier");
        var clock = new ManualTimeProvider(T0);
        var opts = At(clock);
        await using var hub = await Nodes.OpenAsync(temp.Sub("hub"), 1000, opts);
        await using var relaying = await Nodes.OpenAsync(temp.Sub("a"), 1, opts);
        await using var offline = await Nodes.OpenAsync(temp.Sub("b"), 2, opts);

        await offline.SubmitAsync(1, Text("b0"));
        (await Sessions.RunAsync(offline, hub)).Require();   // the hub (and through it, the relaying clinic) knows B
        clock.Advance(TimeSpan.FromMinutes(1));
        await offline.SubmitAsync(1, Text("b1 recorded offline")); // not uploaded yet
        clock.Advance(TimeSpan.FromMinutes(1));
        for (int i = 0; i < 4; i++) await relaying.SubmitAsync(1, Text($"a{i}"));
        (await Sessions.RunAsync(relaying, hub)).Require();
        (await Sessions.RunAsync(relaying, hub)).Require();
        await relaying.CompactAsync();                        // its only peer, the hub, holds everything it has

        (await Sessions.RunAsync(offline, hub)).Require();    // b1, stamped before A's events, reaches the hub
        (await Sessions.RunAsync(relaying, hub)).Require();   // and is relayed to A
        (await Sessions.RunAsync(offline, hub)).Require();

        Assert.Equal(hub.Known, relaying.Known);
        Assert.Equal(hub.Known, offline.Known);
        string reference = Sessions.ReferenceHash(hub.ReadAllEvents());
        Assert.Equal(reference, hub.Read(s => s.Hash()));
        Assert.Equal(reference, relaying.Read(s => s.Hash()));
        Assert.Equal(reference, offline.Read(s => s.Hash()));
    }

    [Fact]
    public async Task An_event_whose_stamp_does_not_rise_above_its_origins_earlier_events_is_quarantined()
    {
        using var temp = new TempDirectory("frontier");
        await using var node = await Nodes.OpenAsync(temp.Sub("a"), 1);
        var origin = new NodeId(9);
        await node.IngestAsync([new EventEnvelope(origin, 1, new Hlc(T0, 5), 1, Text("x1"))], origin, CancellationToken.None);
        await node.IngestAsync([new EventEnvelope(origin, 2, new Hlc(T0, 5), 1, Text("x2 same stamp"))], origin, CancellationToken.None);

        var q = Assert.Single(node.Quarantined);
        Assert.Equal(2UL, q.Sequence);
        Assert.Contains("does not rise", q.Reason, StringComparison.Ordinal);
        Assert.Equal(["9#1:1:x1"], node.Read(s => s.Entries.ToArray()));
    }

    [Fact]
    public async Task Compaction_can_be_bounded_by_age_and_count_and_says_what_it_compacted()
    {
        using var temp = new TempDirectory("frontier");
        var clock = new ManualTimeProvider(T0);
        await using var a = await Nodes.OpenAsync(temp.Sub("a"), 1, At(clock));
        await using var b = await Nodes.OpenAsync(temp.Sub("b"), 2, At(clock));
        for (int i = 0; i < 6; i++)
        {
            await a.SubmitAsync(1, Text($"a{i}"));
            clock.Advance(TimeSpan.FromHours(1));
        }
        (await Sessions.RunAsync(a, b)).Require();

        var aged = await a.CompactAsync(new CompactionOptions { MinAge = TimeSpan.FromHours(3.5) });
        Assert.Equal(3, aged.EventsDropped); // stamped 6, 5 and 4 hours ago
        Assert.Equal("min age", aged.StoppedBy);
        Assert.Equal(3UL, aged.Floors[a.NodeId]);
        Assert.Equal(3UL, a.Compacted[a.NodeId]);

        var counted = await a.CompactAsync(new CompactionOptions { MaxEvents = 2 });
        Assert.Equal(2, counted.EventsDropped);
        Assert.Equal("max events", counted.StoppedBy);
        Assert.Equal(5UL, a.Compacted[a.NodeId]);
        Assert.Throws<ArgumentOutOfRangeException>(() => new CompactionOptions { MinAge = TimeSpan.FromSeconds(-1) });
    }
}

using ZamSync.Tests.Support;
using static ZamSync.Tests.Wal.WalFileSurgery;

namespace ZamSync.Tests.Wal;

/// <summary>
/// After recovery the log takes appends again, and a sequence number is never handed out twice for two
/// acknowledged events: after a crash, the original re-issued sequence numbers peers already held.
/// </summary>
public class AppendAfterRecoveryTests
{
    private const ulong Node = 1;
    private static readonly NodeId Origin = new(Node);

    /// <summary>A clock the test sets by hand.</summary>
    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task Append_after_torn_tail_recovery_continues_the_sequence_and_survives_reopen()
    {
        using var temp = new TempDirectory("append");
        string dir = temp.Sub("node");
        var payloads = await CreateLogAsync(dir, Node, 10);
        var last = Records(dir)[^1];
        Truncate(WalPath(dir), last.Offset + last.Length / 2); // the 10th write never completed

        var expected = payloads.Take(9).ToList();
        await using (var engine = await Nodes.OpenAsync(dir, Node))
        {
            Assert.True(engine.Recovery.TailWasTorn);
            var maxHlc = engine.ReadEvents(Origin).Max(e => e.Hlc);
            for (int i = 0; i < 3; i++)
            {
                var e = await engine.SubmitAsync(2, Payload($"after-{i}", 16));
                Assert.Equal((ulong)(10 + i), e.Sequence);
                Assert.True(e.Hlc > maxHlc, "a new event must sort after every recovered one");
                maxHlc = e.Hlc;
                expected.Add(Text(Payload($"after-{i}", 16)));
            }
            Assert.Equal(expected, Payloads(engine, Origin));
        }

        await using (var reopened = await Nodes.OpenAsync(dir, Node))
        {
            Assert.False(reopened.Recovery.TailWasTorn);
            Assert.Equal(expected, Payloads(reopened, Origin));
            Assert.Equal(12UL, reopened.Known[Origin]);
            Assert.Equal(12, reopened.State.Count);
            Assert.Equal(13UL, (await reopened.SubmitAsync(1, Payload("later", 8))).Sequence);
        }
    }

    [Fact]
    public async Task Sequences_continue_across_reopen_cycles_and_no_acknowledged_one_is_reused()
    {
        // Each cycle: submit three events, then "crash" during the third write (cut it in half) and reopen.
        // The third was never acknowledged; the first two were and must keep their sequence and payload forever.
        using var temp = new TempDirectory("append");
        string dir = temp.Sub("node");
        var acknowledged = new SortedDictionary<ulong, string>();
        for (int cycle = 0; cycle < 6; cycle++)
        {
            await using (var engine = await Nodes.OpenAsync(dir, Node))
            {
                Assert.Equal(cycle > 0, engine.Recovery.TailWasTorn);
                ulong held = (ulong)acknowledged.Count;
                Assert.Equal(held, engine.Known[Origin]);
                for (int i = 0; i < 3; i++)
                {
                    string payload = $"cycle-{cycle}-{i}";
                    var e = await engine.SubmitAsync(1, Payload(payload, payload.Length));
                    Assert.Equal(held + 1 + (ulong)i, e.Sequence);
                    if (i < 2) acknowledged.Add(e.Sequence, payload);
                }
            }
            var last = Records(dir)[^1];
            Truncate(WalPath(dir), last.Offset + last.Length - 1);
        }

        await using var final = await Nodes.OpenAsync(dir, Node);
        Assert.Equal(acknowledged.Values, Payloads(final, Origin));
        Assert.Equal(acknowledged.Keys, final.ReadEvents(Origin).Select(e => e.Sequence));
        Assert.Equal(acknowledged.Count, final.State.Count);
    }

    [Fact]
    public async Task Clock_set_back_before_reopen_still_stamps_new_events_after_recovered_ones()
    {
        using var temp = new TempDirectory("append");
        string dir = temp.Sub("node");
        var clock = new ManualClock(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var options = new ZamEngineOptions { TimeProvider = clock };
        Hlc lastBefore;
        await using (var engine = await Nodes.OpenAsync(dir, Node, options))
        {
            await Nodes.SubmitManyAsync(engine, 3);
            lastBefore = engine.ReadEvents(Origin).Last().Hlc;
        }

        clock.Now = clock.Now.AddDays(-1); // a dead RTC battery, a bad NTP answer
        await using var reopened = await Nodes.OpenAsync(dir, Node, options);
        var next = await reopened.SubmitAsync(1, Payload("after-clock-jump", 16));

        Assert.Equal(4UL, next.Sequence);
        Assert.True(next.Hlc > lastBefore, $"{next.Hlc} is not after {lastBefore}");
        Assert.Equal(reopened.ReadAllEvents().Select(e => e.Sequence), new ulong[] { 1, 2, 3, 4 });
    }
}

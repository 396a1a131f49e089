using System.Text;
using ZamSync.Tests.Support;

namespace ZamSync.Tests.Engine;

/// <summary>
/// A folding hub applies each event once when events arrive in the fold order, and a late event costs a re-fold
/// from the newest checkpoint before it, not from the log's base. Counted with <c>zamsync.events.applied</c>, the
/// instrument a benchmark reports applies per event from.
/// </summary>
public class FoldCheckpointTests
{
    private const long Start = 1_700_000_000_000;

    [Fact]
    public async Task A_hub_receiving_64_clinics_in_order_applies_each_event_once_and_a_late_event_refolds_from_a_checkpoint()
    {
        using var dir = new TempDirectory("fold-hub");
        var clock = new ManualTimeProvider(Start);
        var options = new ZamEngineOptions { TimeProvider = clock, Fold = new FoldOptions { CheckpointInterval = 64, Checkpoints = 16 } };
        await using var hub = await CountingLedgerState.OpenAsync(dir.Sub("hub"), 1000, options);
        using var counted = new AppliedCounter(hub);
        var clinics = new List<ZamEngine<LedgerState>>();
        try
        {
            for (ulong c = 1; c <= 64; c++) clinics.Add(await Nodes.OpenAsync(dir.Sub($"clinic-{c}"), c, options));

            // Three rounds; in each, every clinic records five events and syncs. A shared clock that moves on before
            // every event makes each session's events newer than everything the hub holds: the order of arrival.
            long lateStamp = 0;
            for (int round = 0; round < 3; round++)
            {
                if (round == 2) lateStamp = clock.UnixMilliseconds;
                foreach (var clinic in clinics)
                {
                    for (int i = 0; i < 5; i++)
                    {
                        clock.Advance(TimeSpan.FromMilliseconds(1));
                        await clinic.SubmitAsync(1, Encoding.UTF8.GetBytes($"r{round}-{i}"));
                    }
                    (await Sessions.RunAsync(clinic, hub)).Require();
                }
            }
            int held = hub.ReadAllEvents().Count();
            Assert.Equal(64 * 3 * 5, held);
            Assert.Equal(held, hub.Read(s => s.Count));
            Assert.Equal(held, counted.Applied);
            Assert.Equal(0, counted.Refolds);

            // A clinic that worked offline during the last round syncs late: its events sort before that round's.
            var lateClock = new ManualTimeProvider(lateStamp + 1);
            await using var late = await Nodes.OpenAsync(dir.Sub("late"), 999, options with { TimeProvider = lateClock });
            for (int i = 0; i < 5; i++)
            {
                lateClock.Advance(TimeSpan.FromMilliseconds(1));
                await late.SubmitAsync(1, Encoding.UTF8.GetBytes($"late-{i}"));
            }
            (await Sessions.RunAsync(late, hub)).Require();

            Assert.Equal(Sessions.ReferenceHash(hub.ReadAllEvents()), hub.Read(s => s.Hash()));
            long refolded = counted.Applied - held;
            int after = hub.ReadAllEvents().Count(e => e.Hlc.Physical > lateStamp + 1); // the late events and all after them
            Assert.Equal(1, counted.Refolds);
            // Everything from the late events on is applied again, plus at most what lies between them and the
            // checkpoint before them (16 checkpoints hold all 15 taken, 64 events apart); from the base it would be 965.
            Assert.InRange(refolded, after, after + 64);
            Assert.True(refolded < held / 2, $"re-applied {refolded} of {held + 5} events");
        }
        finally
        {
            foreach (var clinic in clinics) await clinic.DisposeAsync();
        }
    }

    [Fact]
    public async Task Re_folds_wait_for_quiet_and_a_read_does_not_wait()
    {
        using var dir = new TempDirectory("fold-debounce");
        // A clock nobody advances: the fold loop's quiet period never ends on its own.
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(Start));
        var options = new ZamEngineOptions { TimeProvider = time, Fold = new FoldOptions { RefoldDelay = TimeSpan.FromSeconds(5), MaxRefoldDelay = TimeSpan.FromSeconds(30) } };
        await using var early = await Nodes.OpenAsync(dir.Sub("early"), 1, options);
        await using var hub = await CountingLedgerState.OpenAsync(dir.Sub("hub"), 2, options);
        using var counted = new AppliedCounter(hub);
        await Nodes.SubmitManyAsync(early, 3, "early");
        time.Advance(TimeSpan.FromSeconds(1));
        await Nodes.SubmitManyAsync(hub, 3, "hub");

        (await Sessions.RunAsync(early, hub)).Require(); // early's events sort before the hub's own
        Assert.Equal(0, counted.Refolds); // the session's end forced nothing, and the log has not been quiet long enough

        // Nothing forced a re-fold at the session's end; the read does one, at once, over the six events.
        Assert.Equal(Sessions.ReferenceHash(hub.ReadAllEvents()), hub.Read(s => s.Hash()));
        Assert.Equal(1, counted.Refolds);
        Assert.Equal(3 + 6, counted.Applied);
    }
}

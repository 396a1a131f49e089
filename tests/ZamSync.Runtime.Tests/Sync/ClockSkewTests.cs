using System.Text;
using ZamSync.Tests.Support;

namespace ZamSync.Tests.Sync;

/// <summary>
/// A peer's clock may pull ours forward only within MaxClockDrift (REFERENCE.md §1: the original lets a clinic
/// whose clock says 2040 drag every node to 2040). Its events still replicate and sort by their stamps.
/// </summary>
public class ClockSkewTests
{
    private const long Now = 1_750_000_000_000;

    [Fact]
    public async Task A_peer_far_in_the_future_replicates_but_does_not_drag_our_clock()
    {
        using var dir = new TempDirectory();
        var options = new ZamEngineOptions { TimeProvider = new ManualTimeProvider(Now), MaxClockDrift = TimeSpan.FromMinutes(15) };
        await using var hub = await Nodes.OpenAsync(dir.Sub("hub"), 100, options);
        var future = Now + (long)TimeSpan.FromDays(365).TotalMilliseconds;
        await using var clinic = await Nodes.OpenAsync(dir.Sub("clinic"), 1, new ZamEngineOptions { TimeProvider = new ManualTimeProvider(future) });
        var sent = await Sessions.SubmitConcurrentlyAsync(clinic, 3, "future");

        (await Sessions.RunAsync(clinic, hub)).Require();

        Assert.Equal(3UL, hub.Known[clinic.NodeId]);
        Assert.True(hub.Clock.Last.Physical < Now + (long)TimeSpan.FromMinutes(15).TotalMilliseconds);
        var local = await hub.SubmitAsync(1, Encoding.UTF8.GetBytes("hub-now"));
        Assert.True(local.Hlc < sent[0].Hlc); // our new event sorts before the future ones, by its honest stamp
        Assert.Equal(Now, local.Hlc.Physical);

        (await Sessions.RunAsync(clinic, hub)).Require();
        Assert.Equal(clinic.State.Hash(), hub.State.Hash());
        Assert.EndsWith(":hub-now", hub.State.Entries[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_peer_slightly_ahead_moves_our_clock_so_our_next_event_sorts_after_its_events()
    {
        using var dir = new TempDirectory();
        await using var hub = await Nodes.OpenAsync(dir.Sub("hub"), 100, new ZamEngineOptions { TimeProvider = new ManualTimeProvider(Now) });
        long ahead = Now + (long)TimeSpan.FromMinutes(5).TotalMilliseconds;
        await using var clinic = await Nodes.OpenAsync(dir.Sub("clinic"), 1, new ZamEngineOptions { TimeProvider = new ManualTimeProvider(ahead) });
        var sent = await Sessions.SubmitConcurrentlyAsync(clinic, 3, "ahead");

        (await Sessions.RunAsync(clinic, hub)).Require();

        var reply = await hub.SubmitAsync(1, Encoding.UTF8.GetBytes("reply"));
        Assert.True(reply.Hlc > sent[^1].Hlc); // causality: what we wrote after seeing them sorts after them
        (await Sessions.RunAsync(clinic, hub)).Require();
        Assert.EndsWith(":reply", hub.State.Entries[^1], StringComparison.Ordinal);
        Assert.Equal(clinic.State.Hash(), hub.State.Hash());
    }
}

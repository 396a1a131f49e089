using System.Text;
using ZamSync.Tests.Support;
using ZamSync.Wal;

namespace ZamSync.Tests.Engine;

/// <summary>
/// The committer publishes a batch to the index and only then calls the engine's durable callback. A re-fold
/// that ran in between read the batch from the index and applied it, and the callback applied it again (the
/// "sorts before the last applied" check used <c>&lt;</c>): the state held the event twice, and a snapshot
/// written then kept it so. The window is a few instructions wide, so these tests replay the callback that
/// arrives after the re-fold directly, as the committer would.
/// </summary>
public class FoldRaceTests
{
    [Fact]
    public async Task A_batch_a_re_fold_already_applied_is_not_applied_again_by_its_late_callback()
    {
        using var temp = new TempDirectory("fold-race");
        await using var engine = await Nodes.OpenAsync(temp.Sub("node"), 1);
        var first = await engine.SubmitAsync(1, Encoding.UTF8.GetBytes("a"));
        var second = await engine.SubmitAsync(1, Encoding.UTF8.GetBytes("b"));

        // The committer's callback for the newest batch, arriving after a re-fold that covered it.
        engine.OnDurable([new StoredEvent(second)], number: 2);
        engine.OnDurable([new StoredEvent(first), new StoredEvent(second)], number: 2);

        Assert.Equal(["1#1:1:a", "1#2:1:b"], engine.Read(s => s.Entries.ToArray()));
    }

    [Fact]
    public async Task Applied_state_survives_a_snapshot_and_reopen_without_doubles()
    {
        using var temp = new TempDirectory("fold-race");
        string dir = temp.Sub("node");
        await using (var engine = await Nodes.OpenAsync(dir, 1))
        {
            var e = await engine.SubmitAsync(1, Encoding.UTF8.GetBytes("a"));
            engine.OnDurable([new StoredEvent(e)], number: 1); // the replayed callback
        }
        await using var reopened = await Nodes.OpenAsync(dir, 1); // resumes from state.snapshot
        Assert.Equal(["1#1:1:a"], reopened.Read(s => s.Entries.ToArray()));
    }
}

using ZamSync.Storage;
using ZamSync.Tests.Support;
using static ZamSync.Tests.Wal.WalFileSurgery;

namespace ZamSync.Tests.Engine;

/// <summary>
/// <c>state.snapshot</c> is only an accelerator: when it matches the log the open resumes from it instead of
/// replaying every event (the original replayed everything on every open); when it is missing, damaged or
/// stale the log is folded again, to the same state.
/// </summary>
public class StateSnapshotTests
{
    private const ulong Node = 1;

    private static string SnapshotPath(string dir) => Path.Combine(dir, StateSnapshotFile.FileName);

    private static async Task<string> SubmitAndCloseAsync(string dir, int count, string prefix)
    {
        await using var engine = await CountingLedgerState.OpenAsync(dir, Node);
        await Nodes.SubmitManyAsync(engine, count, prefix);
        return engine.Read(s => s.Hash());
    }

    [Fact]
    public async Task Reopen_restores_the_state_from_the_snapshot_without_replaying_the_log()
    {
        using var temp = new TempDirectory("snapshot");
        string dir = temp.Sub("node");
        string hash = await SubmitAndCloseAsync(dir, 20, "a");
        Assert.True(File.Exists(SnapshotPath(dir)));

        await using var engine = await CountingLedgerState.OpenAsync(dir, Node);

        Assert.Equal(0, engine.State.Applies);
        Assert.Equal(1, engine.State.SnapshotReads);
        Assert.Equal(20, engine.State.Count);
        Assert.Equal(hash, engine.State.Hash());
    }

    [Fact]
    public async Task Deleted_snapshot_replays_the_log_to_the_same_state()
    {
        using var temp = new TempDirectory("snapshot");
        string dir = temp.Sub("node");
        string hash = await SubmitAndCloseAsync(dir, 20, "a");
        File.Delete(SnapshotPath(dir));

        await using var engine = await CountingLedgerState.OpenAsync(dir, Node);

        Assert.Equal(20, engine.State.Applies);
        Assert.Equal(0, engine.State.SnapshotReads);
        Assert.Equal(hash, engine.State.Hash());
    }

    [Fact]
    public async Task Damaged_snapshot_is_ignored_and_the_log_replayed_to_the_same_state()
    {
        using var temp = new TempDirectory("snapshot");
        string dir = temp.Sub("node");
        string hash = await SubmitAndCloseAsync(dir, 20, "a");
        FlipByte(SnapshotPath(dir), new FileInfo(SnapshotPath(dir)).Length / 2);

        await using var engine = await CountingLedgerState.OpenAsync(dir, Node);

        Assert.Equal(20, engine.State.Applies);
        Assert.Equal(hash, engine.State.Hash());
    }

    [Fact]
    public async Task Snapshot_older_than_the_log_resumes_and_applies_only_the_newer_events()
    {
        // What a crash leaves behind: the snapshot of the last clean close, and events appended since.
        using var temp = new TempDirectory("snapshot");
        string dir = temp.Sub("node");
        await SubmitAndCloseAsync(dir, 10, "a");
        var older = File.ReadAllBytes(SnapshotPath(dir));
        string hash = await SubmitAndCloseAsync(dir, 5, "b");
        File.WriteAllBytes(SnapshotPath(dir), older);

        await using var engine = await CountingLedgerState.OpenAsync(dir, Node);

        Assert.Equal(1, engine.State.SnapshotReads);
        Assert.Equal(5, engine.State.Applies);
        Assert.Equal(15, engine.State.Count);
        Assert.Equal(hash, engine.State.Hash());
    }

    [Fact]
    public async Task Snapshot_is_not_used_when_a_newer_record_sorts_before_its_frontier()
    {
        // An event appended after the snapshot but stamped earlier belongs in the middle of the fold, which a
        // snapshot cannot absorb: the open must fold everything again.
        using var temp = new TempDirectory("snapshot");
        string dir = temp.Sub("node");
        await SubmitAndCloseAsync(dir, 10, "a");
        var older = File.ReadAllBytes(SnapshotPath(dir));
        var peer = new NodeId(2);
        string hash;
        await using (var engine = await CountingLedgerState.OpenAsync(dir, Node))
        {
            var late = new EventEnvelope(peer, 1, new Hlc(1, 0), 3, Payload("late", 4));
            await engine.IngestAsync([late], peer, CancellationToken.None);
            hash = engine.Read(s => s.Hash());
            Assert.StartsWith($"{peer}#1", engine.Read(s => s.Ledger.Entries[0]));
        }
        File.WriteAllBytes(SnapshotPath(dir), older);

        await using var reopened = await CountingLedgerState.OpenAsync(dir, Node);

        Assert.Equal(0, reopened.State.SnapshotReads);
        Assert.Equal(11, reopened.State.Applies);
        Assert.Equal(hash, reopened.State.Hash());
    }

    [Fact]
    public async Task Snapshot_describing_events_that_recovery_cut_off_is_not_trusted()
    {
        using var temp = new TempDirectory("snapshot");
        string dir = temp.Sub("node");
        await SubmitAndCloseAsync(dir, 10, "a");
        var last = Records(dir)[^1];
        Truncate(WalPath(dir), last.Offset + 10);

        await using var engine = await CountingLedgerState.OpenAsync(dir, Node);

        Assert.True(engine.Recovery.TailWasTorn);
        Assert.Equal(0, engine.State.SnapshotReads);
        Assert.Equal(9, engine.State.Applies);
        Assert.DoesNotContain(engine.State.Ledger.Entries, e => e.StartsWith($"{Node}#10:", StringComparison.Ordinal));
    }
}

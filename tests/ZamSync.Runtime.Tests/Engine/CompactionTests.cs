using ZamSync.Storage;
using ZamSync.Tests.Support;
using static ZamSync.Tests.Wal.WalFileSurgery;

namespace ZamSync.Tests.Engine;

/// <summary>
/// Compaction on the embedded log: what <see cref="CompactionSuite"/> checks on every store, plus the file itself (left
/// alone when nothing is dropped; damage in a compacted log refuses to open).
/// </summary>
public class CompactionTests : CompactionSuite
{
    [Fact]
    public async Task Compaction_on_a_node_without_peers_drops_nothing_and_leaves_the_log_alone()
    {
        using var temp = new TempDirectory("compact");
        string dir = temp.Sub("a");
        await using var engine = await CountingLedgerState.OpenAsync(dir, A.Value);
        await Nodes.SubmitManyAsync(engine, 10);
        string before = Sha256(WalPath(dir));
        long length = new FileInfo(WalPath(dir)).Length;

        var result = await engine.CompactAsync();

        Assert.Equal((0, length, length), (result.EventsDropped, result.BytesBefore, result.BytesAfter));
        Assert.Equal("no peer", result.StoppedBy);
        Assert.Equal(before, Sha256(WalPath(dir)));
        Assert.Equal(10, engine.ReadEvents(A).Count());
    }

    [Fact]
    public async Task Damage_in_a_compacted_logs_survivor_refuses_to_open()
    {
        using var temp = new TempDirectory("compact");
        var (dir, _, _, _) = await CompactedNodeAsync(temp);
        var survivors = Records(dir).Skip(1).ToList(); // after the base record
        Assert.Equal(3, survivors.Count);
        FlipByte(WalPath(dir), survivors[0].BodyOffset + 2);

        var error = await OpenMustBeRefusedAsync(dir, A.Value);

        Assert.Equal(survivors[0].Offset, error.Offset);
    }

    [Fact]
    public async Task Damage_in_a_compacted_logs_base_record_refuses_to_open()
    {
        using var temp = new TempDirectory("compact");
        var (dir, _, _, _) = await CompactedNodeAsync(temp);
        var baseRecord = Records(dir)[0];
        Assert.Equal(ZamSync.Wal.WalRecordKind.Base, baseRecord.Header.Kind);
        FlipByte(WalPath(dir), baseRecord.BodyOffset + 2);

        var error = await OpenMustBeRefusedAsync(dir, A.Value);

        Assert.Equal(baseRecord.Offset, error.Offset);
    }
}

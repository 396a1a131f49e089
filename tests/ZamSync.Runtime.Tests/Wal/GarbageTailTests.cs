using ZamSync.Tests.Support;
using static ZamSync.Tests.Wal.WalFileSurgery;

namespace ZamSync.Tests.Wal;

/// <summary>Bytes after the last record that are not a record (a torn append, a preallocated zero page) are cut off.</summary>
public class GarbageTailTests(FiveEventLog log) : IClassFixture<FiveEventLog>
{
    public enum Fill { Random, Zeros, Ones }

    [Theory]
    [InlineData(1, Fill.Random)]
    [InlineData(51, Fill.Random)]   // shorter than a record header
    [InlineData(52, Fill.Random)]   // exactly a record header
    [InlineData(100, Fill.Random)]
    [InlineData(4096, Fill.Random)]
    [InlineData(70_000, Fill.Random)] // more than one 64 KiB search window of the scanner
    [InlineData(4096, Fill.Zeros)]  // a file system that zero-fills the tail after a crash
    [InlineData(4096, Fill.Ones)]
    public async Task Garbage_appended_after_the_last_record_is_truncated_and_every_event_kept(int length, Fill fill)
    {
        using var temp = new TempDirectory("garbage");
        string dir = temp.Sub("node");
        CopyDirectory(log.Directory, dir);
        string path = WalPath(dir);
        long cleanLength = new FileInfo(path).Length;
        var garbage = new byte[length];
        if (fill == Fill.Random) new Random(length).NextBytes(garbage);
        if (fill == Fill.Ones) Array.Fill(garbage, (byte)0xFF);
        Append(path, garbage);

        var node = new NodeId(FiveEventLog.Node);
        await using (var engine = await Nodes.OpenAsync(dir, FiveEventLog.Node))
        {
            Assert.True(engine.Recovery.TailWasTorn);
            Assert.Equal(cleanLength, engine.Recovery.TruncatedAt);
            Assert.Equal(length, engine.Recovery.TruncatedBytes);
            Assert.Equal(FiveEventLog.Count, engine.Recovery.Records);
            Assert.Equal(cleanLength, new FileInfo(path).Length);
            Assert.Equal(log.Payloads, Payloads(engine, node));

            var next = await engine.SubmitAsync(1, Payload("after-garbage", 16));
            Assert.Equal((ulong)FiveEventLog.Count + 1, next.Sequence);
        }

        await using var reopened = await Nodes.OpenAsync(dir, FiveEventLog.Node);
        Assert.False(reopened.Recovery.TailWasTorn);
        Assert.Equal(log.Payloads.Append(Text(Payload("after-garbage", 16))), Payloads(reopened, node));
        Assert.Equal(FiveEventLog.Count + 1, reopened.State.Count);
    }
}

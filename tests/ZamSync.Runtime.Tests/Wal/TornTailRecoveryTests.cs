using ZamSync.Tests.Support;
using ZamSync.Wal;
using static ZamSync.Tests.Wal.WalFileSurgery;

namespace ZamSync.Tests.Wal;

/// <summary>A closed log of <see cref="Count"/> events, one batch each, built once and copied per test.</summary>
public sealed class FiveEventLog : IAsyncLifetime, IDisposable
{
    public const int Count = 5, PayloadLength = 24, RecordLength = WalRecord.Overhead + PayloadLength;
    public const ulong Node = 1;
    private readonly TempDirectory _root = new("torn-template");

    public string Directory => Path.Combine(_root.Path, "template");
    public List<string> Payloads { get; private set; } = new();
    internal List<RecordOnDisk> Records { get; private set; } = new();

    public async Task InitializeAsync()
    {
        Payloads = await CreateLogAsync(Directory, Node, Count, PayloadLength);
        Records = WalFileSurgery.Records(Directory);
        Assert.Equal(Count, Records.Count);
        Assert.All(Records, r => Assert.Equal(RecordLength, r.Length));
        Assert.Equal(Enumerable.Range(1, Count).Select(i => (uint)i), Records.Select(r => r.Header.Batch)); // one batch per submit
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _root.Dispose();
}

public class TornTailRecoveryTests(FiveEventLog log) : IClassFixture<FiveEventLog>
{
    private static readonly NodeId Node = new(FiveEventLog.Node);

    public static IEnumerable<object[]> EveryOffsetInsideTheLastRecord() =>
        Enumerable.Range(0, FiveEventLog.RecordLength).Select(cut => new object[] { cut });

    [Theory]
    [MemberData(nameof(EveryOffsetInsideTheLastRecord))]
    public async Task Torn_tail_cut_at_every_offset_of_the_last_record_recovers_the_rest(int bytesOfLastRecordKept)
    {
        using var temp = new TempDirectory("torn");
        string dir = temp.Sub("node");
        // The whole directory, stale state.snapshot included: it describes 5 events and must not bring back the 5th.
        CopyDirectory(log.Directory, dir);
        var last = log.Records[^1];
        Truncate(WalPath(dir), last.Offset + bytesOfLastRecordKept);

        var survivors = log.Payloads.Take(FiveEventLog.Count - 1).ToList();
        await using (var engine = await Nodes.OpenAsync(dir, FiveEventLog.Node))
        {
            bool atBoundary = bytesOfLastRecordKept == 0;
            Assert.Equal(!atBoundary, engine.Recovery.TailWasTorn);
            Assert.Equal(atBoundary ? -1 : last.Offset, engine.Recovery.TruncatedAt);
            Assert.Equal(bytesOfLastRecordKept, engine.Recovery.TruncatedBytes);
            Assert.Equal(FiveEventLog.Count - 1, engine.Recovery.Records);
            Assert.Equal(last.Offset, new FileInfo(WalPath(dir)).Length); // the torn bytes are gone from disk

            Assert.Equal(survivors, Payloads(engine, Node));
            Assert.Equal((ulong)(FiveEventLog.Count - 1), engine.Known[Node]);
            Assert.Equal(FiveEventLog.Count - 1, engine.State.Count);

            // The torn event was never acknowledged, so its sequence is the next unused one.
            var next = await engine.SubmitAsync(1, Payload("after-recovery", FiveEventLog.PayloadLength));
            Assert.Equal((ulong)FiveEventLog.Count, next.Sequence);
        }

        await using (var reopened = await Nodes.OpenAsync(dir, FiveEventLog.Node))
        {
            Assert.False(reopened.Recovery.TailWasTorn);
            Assert.Equal(FiveEventLog.Count, reopened.Recovery.Records);
            Assert.Equal(survivors.Append(Text(Payload("after-recovery", FiveEventLog.PayloadLength))), Payloads(reopened, Node));
            Assert.Equal(FiveEventLog.Count, reopened.State.Count);
            Assert.Equal((ulong)FiveEventLog.Count + 1, (await reopened.SubmitAsync(1, Payload("later", 8))).Sequence);
        }
    }

    [Fact]
    public async Task Intact_log_is_not_truncated_and_keeps_every_event()
    {
        using var temp = new TempDirectory("torn");
        string dir = temp.Sub("node");
        CopyDirectory(log.Directory, dir);
        string before = Sha256(WalPath(dir));

        await using (var engine = await Nodes.OpenAsync(dir, FiveEventLog.Node))
        {
            Assert.False(engine.Recovery.TailWasTorn);
            Assert.Equal(0, engine.Recovery.TruncatedBytes);
            Assert.Equal(log.Payloads, Payloads(engine, Node));
        }
        Assert.Equal(before, Sha256(WalPath(dir)));
    }

    [Fact]
    public async Task Torn_newest_batch_with_intact_records_behind_the_tear_is_cut_off_whole()
    {
        // A crash can persist the pages of the last write in any order: the first record of the newest batch
        // torn, the later ones of the same batch intact. That is still a torn tail, and the whole batch goes.
        using var temp = new TempDirectory("torn");
        string dir = temp.Sub("node");
        CopyDirectory(log.Directory, dir);
        var peer = new NodeId(2);
        await using (var engine = await Nodes.OpenAsync(dir, FiveEventLog.Node))
        {
            var batch = Enumerable.Range(1, 3)
                .Select(i => new EventEnvelope(peer, (ulong)i, new Hlc(1_000 + i, 0), 7, Payload($"peer-{i}", FiveEventLog.PayloadLength)))
                .ToList();
            await engine.IngestAsync(batch, peer, CancellationToken.None);
        }
        var records = Records(dir);
        Assert.Equal(FiveEventLog.Count + 3, records.Count);
        var newest = records.Skip(FiveEventLog.Count).ToList();
        Assert.Single(newest.Select(r => r.Header.Batch).Distinct());
        // Zero the middle of the first record of that batch, as a lost page would.
        WriteAt(WalPath(dir), newest[0].Offset + 8, new byte[40]);

        await using var reopened = await Nodes.OpenAsync(dir, FiveEventLog.Node);
        Assert.True(reopened.Recovery.TailWasTorn);
        Assert.Equal(newest[0].Offset, reopened.Recovery.TruncatedAt);
        Assert.Equal(3L * FiveEventLog.RecordLength, reopened.Recovery.TruncatedBytes);
        Assert.Equal(log.Payloads, Payloads(reopened, Node));
        Assert.Equal(0UL, reopened.Known[peer]);
    }
}

using ZamSync.Tests.Support;
using ZamSync.Wal;
using static ZamSync.Tests.Wal.WalFileSurgery;

namespace ZamSync.Tests.Wal;

/// <summary>
/// A length field is bounded (by the record limit and by the file) before anything is allocated: the
/// original trusted it and allocated up to 4 GiB. The header checksum is recomputed here so the length is
/// the only thing wrong.
/// </summary>
public class HugeLengthFieldTests(FiveEventLog log) : IClassFixture<FiveEventLog>
{
    private const int HugeLength = 0x7FFFFFF0;

    private string CopyWithHugeLength(TempDirectory temp, int recordIndex)
    {
        string dir = temp.Sub("node");
        CopyDirectory(log.Directory, dir);
        RewriteHeader(WalPath(dir), log.Records[recordIndex], h => h with { BodyLength = HugeLength });
        return dir;
    }

    /// <summary>Runs <paramref name="open"/> and checks it allocated nothing near the claimed length.</summary>
    private static async Task<T> CheapAsync<T>(Func<Task<T>> open)
    {
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var result = await open();
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        // Other tests run in parallel and allocate too, so the bound is loose; the claimed length is 2 GiB.
        Assert.True(allocated < 256L << 20, $"opening allocated {allocated:N0} bytes");
        return result;
    }

    [Fact]
    public async Task Huge_length_in_the_last_record_is_cut_off_as_a_torn_tail_without_allocating_it()
    {
        using var temp = new TempDirectory("huge");
        string dir = CopyWithHugeLength(temp, FiveEventLog.Count - 1);

        await using var engine = await CheapAsync(() => Nodes.OpenAsync(dir, FiveEventLog.Node));

        Assert.True(engine.Recovery.TailWasTorn);
        Assert.Equal(log.Records[^1].Offset, engine.Recovery.TruncatedAt);
        Assert.Equal(log.Payloads.Take(FiveEventLog.Count - 1), Payloads(engine, new NodeId(FiveEventLog.Node)));
        Assert.Equal((ulong)FiveEventLog.Count, (await engine.SubmitAsync(1, Payload("next", 8))).Sequence);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Huge_length_in_a_middle_record_refuses_to_open_without_allocating_it(int recordIndex)
    {
        using var temp = new TempDirectory("huge");
        string dir = CopyWithHugeLength(temp, recordIndex);

        var error = await CheapAsync(() => OpenMustBeRefusedAsync(dir));

        Assert.Equal(log.Records[recordIndex].Offset, error.Offset);
        Assert.Equal(log.Records[recordIndex + 1].Offset, error.NextGoodOffset);
        Assert.Contains($"claims {HugeLength} bytes", error.Reason);
    }

    [Fact]
    public async Task Huge_length_within_a_raised_record_limit_is_still_bounded_by_the_file_length()
    {
        // With the limit raised to the largest value whose sealed size still fits an int, only the file
        // length stands between the claimed 2 GiB and an allocation; 56 + length must not overflow on the way.
        using var temp = new TempDirectory("huge");
        string dir = CopyWithHugeLength(temp, FiveEventLog.Count - 1);
        var options = new ZamEngineOptions { Wal = new WalOptions { MaxRecordBytes = int.MaxValue - WalCipher.Overhead } };

        await using var engine = await CheapAsync(() => Nodes.OpenAsync(dir, FiveEventLog.Node, options));

        Assert.True(engine.Recovery.TailWasTorn);
        Assert.Equal(log.Records[^1].Offset, engine.Recovery.TruncatedAt);
        Assert.Equal(FiveEventLog.Count - 1, engine.State.Count);
    }

    [Fact]
    public async Task Record_limit_of_int_MaxValue_does_not_make_a_healthy_log_look_damaged()
    {
        // "No limit" is a natural thing to configure; the scanner must not wrap the limit around to a negative number.
        using var temp = new TempDirectory("huge");
        string dir = temp.Sub("node");
        CopyDirectory(log.Directory, dir);
        string before = Sha256(WalPath(dir));
        var options = new ZamEngineOptions { Wal = new WalOptions { MaxRecordBytes = int.MaxValue } };

        await using (var engine = await Nodes.OpenAsync(dir, FiveEventLog.Node, options))
        {
            Assert.False(engine.Recovery.TailWasTorn, $"a healthy log was cut: {engine.Recovery}");
            Assert.Equal(log.Payloads, Payloads(engine, new NodeId(FiveEventLog.Node)));
        }
        Assert.Equal(before, Sha256(WalPath(dir)));
    }

    [Fact]
    public async Task Lowering_the_record_limit_below_existing_records_never_truncates_them()
    {
        // The limit is a configuration value; records written under a higher one are intact (their header
        // checksum vouches for the length). Whatever opening does with them, it must not cut them off.
        using var temp = new TempDirectory("huge");
        string dir = temp.Sub("node");
        var payloads = await CreateLogAsync(dir, FiveEventLog.Node, count: 3, payloadLength: 200);
        string before = Sha256(WalPath(dir));
        var options = new ZamEngineOptions { Wal = new WalOptions { MaxRecordBytes = 100 } };

        try
        {
            await using var engine = await Nodes.OpenAsync(dir, FiveEventLog.Node, options);
            Assert.False(engine.Recovery.TailWasTorn, $"intact records were cut: {engine.Recovery}");
            Assert.Equal(payloads, Payloads(engine, new NodeId(FiveEventLog.Node)));
        }
        catch (ZamException refused) when (refused is not WalCorruptionException)
        {
            // A clear refusal naming the limit is acceptable; calling intact records damage is not.
        }
        Assert.Equal(before, Sha256(WalPath(dir)));
    }
}

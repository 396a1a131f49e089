using Xunit.Abstractions;
using ZamSync.Tests.Support;
using static ZamSync.Tests.Wal.PersistedIndex.IndexedStores;
using static ZamSync.Tests.Wal.WalFileSurgery;

namespace ZamSync.Tests.Wal.PersistedIndex;

/// <summary>
/// An index that does not check out against the log is never trusted: the log is scanned whole, nothing it holds is
/// lost, the reason is reported, and the bad index is removed so it cannot come back to life.
/// </summary>
public class IndexRefusalTests(ITestOutputHelper output)
{
    private static readonly NodeId Owner = new(5);
    private const int Events = 60;

    private static async Task<(string Dir, List<string> Payloads)> CleanLogAsync(TempDirectory temp, string name = "node")
    {
        string dir = temp.Sub(name);
        var payloads = await CreateLogAsync(dir, Owner.Value, Events);
        Assert.True(File.Exists(IndexPath(dir)));
        return (dir, payloads);
    }

    private static async Task<ZamEngine<LedgerState>> OpenScannedWholeAsync(string dir, string reasonPart, int records = Events)
    {
        var engine = await Nodes.OpenAsync(dir, Owner.Value);
        Assert.False(engine.Recovery.IndexUsed);
        Assert.Contains(reasonPart, engine.Recovery.IndexNotUsedReason);
        Assert.Equal(records, engine.Recovery.RecordsScanned);
        Assert.Equal(records, engine.Recovery.Records);
        return engine;
    }

    [Fact]
    public async Task An_index_flipped_at_a_random_byte_is_refused()
    {
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        using var temp = new TempDirectory("idx-flip");
        var (dir, payloads) = await CleanLogAsync(temp);
        long size = new FileInfo(IndexPath(dir)).Length;
        long at = random.NextInt64(size);
        FlipByte(IndexPath(dir), at, (byte)random.Next(1, 256));
        output.WriteLine($"flipped byte {at} of {size}");

        await using var engine = await Nodes.OpenAsync(dir, Owner.Value);
        Assert.False(engine.Recovery.IndexUsed, $"byte {at} (seed {seed})");
        Assert.Equal(Events, engine.Recovery.RecordsScanned);
        Assert.Equal(payloads, Payloads(engine, Owner));
        Assert.False(File.Exists(IndexPath(dir)), "a refused index was left in place");
    }

    [Fact]
    public async Task A_truncated_index_is_refused()
    {
        using var temp = new TempDirectory("idx-cut");
        var (dir, payloads) = await CleanLogAsync(temp);
        Truncate(IndexPath(dir), new FileInfo(IndexPath(dir)).Length / 2);

        await using var engine = await OpenScannedWholeAsync(dir, "checksum");
        Assert.Equal(payloads, Payloads(engine, Owner));
    }

    [Fact]
    public async Task An_empty_index_file_is_refused()
    {
        using var temp = new TempDirectory("idx-empty");
        var (dir, payloads) = await CleanLogAsync(temp);
        File.WriteAllBytes(IndexPath(dir), []);

        await using var engine = await OpenScannedWholeAsync(dir, "impossible size");
        Assert.Equal(payloads, Payloads(engine, Owner));
    }

    [Fact]
    public async Task An_index_from_another_log_is_refused()
    {
        using var temp = new TempDirectory("idx-other");
        var (dir, payloads) = await CleanLogAsync(temp);
        var (otherDir, _) = await CleanLogAsync(temp, "other");
        File.Copy(IndexPath(otherDir), IndexPath(dir), overwrite: true);

        await using var engine = await OpenScannedWholeAsync(dir, "another log");
        Assert.Equal(payloads, Payloads(engine, Owner));
    }

    [Fact]
    public async Task A_log_truncated_behind_its_index_is_scanned_whole()
    {
        using var temp = new TempDirectory("idx-log-cut");
        var (dir, payloads) = await CleanLogAsync(temp);
        var records = Records(dir);
        Truncate(WalPath(dir), records[^10].Offset); // ten whole records gone, on a record boundary

        await using var engine = await OpenScannedWholeAsync(dir, "shorter", Events - 10);
        Assert.Equal(payloads.Take(Events - 10), Payloads(engine, Owner));
        Assert.Equal((ulong)(Events - 9), (await engine.SubmitAsync(1, Payload("next", 8))).Sequence);
    }

    [Fact]
    public async Task A_log_replaced_by_another_of_the_same_node_is_scanned_whole()
    {
        // A backup of the same log restored over it: same generation, other bytes where the index ends.
        using var temp = new TempDirectory("idx-replaced");
        var (dir, _) = await CleanLogAsync(temp);
        string backup = temp.Sub("backup");
        CopyCrashImage(dir, backup);
        await using (var engine = await Nodes.OpenAsync(dir, Owner.Value))
            for (int i = 0; i < 5; i++) await engine.SubmitAsync(1, Payload($"later-{i}", 24));
        var laterIndex = File.ReadAllBytes(IndexPath(dir));
        File.Copy(WalPath(backup), WalPath(dir), overwrite: true);
        // The log is now shorter than the later index covers; grow it to the same length with other events.
        await using (var engine = await Nodes.OpenAsync(dir, Owner.Value))
            for (int i = 0; i < 5; i++) await engine.SubmitAsync(1, Payload($"other-{i}", 24));
        File.WriteAllBytes(IndexPath(dir), laterIndex);

        await using var reopened = await OpenScannedWholeAsync(dir, "changed", Events + 5);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => Payload($"other-{i}", 24)).Select(p => Text(p)),
            Payloads(reopened, Owner).Skip(Events));
    }

    [Fact]
    public async Task A_rewritten_record_header_with_a_valid_checksum_near_the_end_is_noticed()
    {
        // A record header carries the CRC of its own bytes, so a CRC over the boundary would not see it rewritten.
        using var temp = new TempDirectory("idx-rewrite");
        var (dir, _) = await CleanLogAsync(temp);
        var last = Records(dir)[^2];
        RewriteHeader(WalPath(dir), last, h => h with { Sequence = 99 });

        var error = await OpenMustBeRefusedAsync(dir, Owner.Value);
        Assert.Equal(last.Offset, error.Offset);
    }
}

using ZamSync.Tests.Support;
using ZamSync.Wal;
using static ZamSync.Tests.Wal.WalFileSurgery;

namespace ZamSync.Tests.Wal;

/// <summary>
/// Damage a crash cannot cause (intact records of older batches follow it) stops the open with the offset and
/// leaves the file untouched, unlike the original, which truncated everything after one flipped bit.
/// </summary>
public class MidLogCorruptionTests(FiveEventLog log) : IClassFixture<FiveEventLog>
{
    public enum Part { Payload, HeaderSequence, HeaderLength, BodyChecksum }

    private string CopyOfLog(TempDirectory temp)
    {
        string dir = temp.Sub("node");
        CopyDirectory(log.Directory, dir);
        return dir;
    }

    private static long ByteIn(RecordOnDisk record, Part part) => part switch
    {
        Part.Payload => record.BodyOffset + FiveEventLog.PayloadLength / 2,
        Part.HeaderSequence => record.Offset + 24,
        Part.HeaderLength => record.Offset + 12,
        Part.BodyChecksum => record.TrailerOffset + 1,
        _ => throw new ArgumentOutOfRangeException(nameof(part)),
    };

    public static TheoryData<int, Part> MiddleRecordsAndParts()
    {
        var data = new TheoryData<int, Part>();
        foreach (int recordIndex in new[] { 0, 1, 2 }) // records 1, 2 and 3 of 5: at least two later batches intact
            foreach (var part in Enum.GetValues<Part>())
                data.Add(recordIndex, part);
        return data;
    }

    [Theory]
    [MemberData(nameof(MiddleRecordsAndParts))]
    public async Task Flipped_byte_in_a_middle_record_refuses_to_open_naming_the_offset_and_changes_nothing(int recordIndex, Part part)
    {
        using var temp = new TempDirectory("midlog");
        string dir = CopyOfLog(temp);
        var damaged = log.Records[recordIndex];
        FlipByte(WalPath(dir), ByteIn(damaged, part));

        var error = await OpenMustBeRefusedAsync(dir);

        Assert.Equal(damaged.Offset, error.Offset);
        Assert.Equal(log.Records[recordIndex + 1].Offset, error.NextGoodOffset);
        Assert.Contains($"byte {damaged.Offset}", error.Message);
        Assert.Contains(part is Part.Payload or Part.BodyChecksum ? "body fails its checksum" : "header fails", error.Reason);
    }

    [Fact]
    public async Task Flipped_payload_byte_of_record_2_of_5_is_reported_at_record_2()
    {
        // The case named in the reference, spelled out: 64-byte file header, then 80-byte records.
        using var temp = new TempDirectory("midlog");
        string dir = CopyOfLog(temp);
        long record2 = WalFileHeader.Size + FiveEventLog.RecordLength;
        FlipByte(WalPath(dir), record2 + WalRecord.HeaderSize + 3);

        var error = await OpenMustBeRefusedAsync(dir);

        Assert.Equal(record2, error.Offset);
        Assert.Equal(record2 + FiveEventLog.RecordLength, error.NextGoodOffset);
    }

    [Fact]
    public async Task Flipped_byte_in_the_second_to_last_record_refuses_to_open_because_a_later_batch_follows()
    {
        // Record 4 (batch 4) was fsynced before batch 5 was written, so damage in it is not a torn write:
        // truncating there drops the acknowledged events 4 and 5.
        using var temp = new TempDirectory("midlog");
        string dir = CopyOfLog(temp);
        var damaged = log.Records[^2];
        FlipByte(WalPath(dir), ByteIn(damaged, Part.Payload));

        var error = await OpenMustBeRefusedAsync(dir);

        Assert.Equal(damaged.Offset, error.Offset);
        Assert.Equal(log.Records[^1].Offset, error.NextGoodOffset);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Bad_magic_of_a_middle_record_refuses_to_open(int recordIndex)
    {
        using var temp = new TempDirectory("midlog");
        string dir = CopyOfLog(temp);
        var damaged = log.Records[recordIndex];
        WriteAt(WalPath(dir), damaged.Offset, "JUNK"u8);

        var error = await OpenMustBeRefusedAsync(dir);

        Assert.Equal(damaged.Offset, error.Offset);
        Assert.Equal(log.Records[recordIndex + 1].Offset, error.NextGoodOffset);
        Assert.Contains("magic", error.Reason);
    }

    [Fact]
    public async Task Bad_magic_of_the_last_record_is_cut_off_as_a_torn_tail()
    {
        using var temp = new TempDirectory("midlog");
        string dir = CopyOfLog(temp);
        var last = log.Records[^1];
        WriteAt(WalPath(dir), last.Offset, "JUNK"u8);

        await using var engine = await Nodes.OpenAsync(dir, FiveEventLog.Node);

        Assert.True(engine.Recovery.TailWasTorn);
        Assert.Equal(last.Offset, engine.Recovery.TruncatedAt);
        Assert.Equal(FiveEventLog.RecordLength, engine.Recovery.TruncatedBytes);
        Assert.Equal(log.Payloads.Take(FiveEventLog.Count - 1), Payloads(engine, new NodeId(FiveEventLog.Node)));
        Assert.Equal((ulong)FiveEventLog.Count, (await engine.SubmitAsync(1, Payload("next", 8))).Sequence);
    }

    [Fact]
    public async Task Record_with_a_valid_checksum_but_a_skipped_sequence_refuses_to_open()
    {
        // Checksums alone are not enough: a record that passes them but breaks its origin's contiguity is damage.
        using var temp = new TempDirectory("midlog");
        string dir = CopyOfLog(temp);
        var damaged = log.Records[2];
        RewriteHeader(WalPath(dir), damaged, h => h with { Sequence = 9 });

        var error = await OpenMustBeRefusedAsync(dir);

        Assert.Equal(damaged.Offset, error.Offset);
        Assert.Contains("does not continue", error.Reason);
    }
}

using System.Buffers.Binary;
using ZamSync.Tests.Support;
using ZamSync.Wal;
using static ZamSync.Tests.Wal.WalFileSurgery;

namespace ZamSync.Tests.Wal;

/// <summary>The 64-byte file header is checked before any record is read; a bad one is refused, never rewritten.</summary>
public class FileHeaderValidationTests(FiveEventLog log) : IClassFixture<FiveEventLog>
{
    private string CopyOfLog(TempDirectory temp)
    {
        string dir = temp.Sub("node");
        CopyDirectory(log.Directory, dir);
        return dir;
    }

    /// <summary>Writes a format version into the header and re-seals the header checksum, as a newer build would.</summary>
    private static void SetVersion(string path, ushort version)
    {
        var header = ReadAt(path, 0, WalFileHeader.Size);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), version);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(WalFileHeader.CrcOffset), Crc32C.HashToUInt32(header.AsSpan(0, WalFileHeader.CrcOffset)));
        WriteAt(path, 0, header);
    }

    [Fact]
    public async Task A_format_version_no_build_writes_refuses_to_open_as_damage_and_says_which_version()
    {
        using var temp = new TempDirectory("header");
        string dir = CopyOfLog(temp);
        SetVersion(WalPath(dir), 0);

        var error = await OpenMustBeRefusedAsync(dir);

        Assert.Equal(8, error.Offset);
        Assert.Contains("version 0", error.Message);
        Assert.Contains($"version {WalFileHeader.CurrentVersion}", error.Message);
    }

    [Theory]
    [InlineData((ushort)2)]
    [InlineData(ushort.MaxValue)]
    public async Task A_newer_format_version_refuses_to_open_naming_a_newer_build_not_damage(ushort version)
    {
        Assert.True(version > WalFileHeader.CurrentVersion);
        using var temp = new TempDirectory("header");
        string dir = CopyOfLog(temp);
        SetVersion(WalPath(dir), version);
        string before = Sha256(WalPath(dir));

        var error = await Assert.ThrowsAsync<ZamException>(() => Nodes.OpenAsync(dir, 1));

        Assert.IsNotType<WalCorruptionException>(error);
        Assert.Contains($"format version {version}", error.Message);
        Assert.Contains("newer version", error.Message);
        Assert.DoesNotContain("damage", error.Message);
        Assert.Equal(before, Sha256(WalPath(dir)));
    }

    [Theory]
    [InlineData(0)]   // magic
    [InlineData(16)]  // generation
    [InlineData(24)]  // node id
    [InlineData(61)]  // the checksum itself
    public async Task Flipped_byte_in_the_file_header_refuses_to_open(int offset)
    {
        using var temp = new TempDirectory("header");
        string dir = CopyOfLog(temp);
        FlipByte(WalPath(dir), offset);

        var error = await OpenMustBeRefusedAsync(dir);

        Assert.Equal(0, error.Offset);
        Assert.Contains(offset == 0 ? "bad magic" : "checksum", error.Reason);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(WalFileHeader.Size - 1)]
    public async Task Log_shorter_than_its_header_is_refused_not_recreated(int length)
    {
        // The header is written by rename, so a short one is damage, and "recreating" it would forget the node's history.
        using var temp = new TempDirectory("header");
        string dir = CopyOfLog(temp);
        Truncate(WalPath(dir), length);

        var error = await OpenMustBeRefusedAsync(dir);

        Assert.Equal(length, new FileInfo(WalPath(dir)).Length);
        Assert.Equal(0, error.Offset);
    }

    [Fact]
    public async Task Log_of_another_node_is_refused_and_left_alone()
    {
        using var temp = new TempDirectory("header");
        string dir = CopyOfLog(temp);
        string before = Sha256(WalPath(dir));

        var error = await Assert.ThrowsAsync<ZamException>(() => Nodes.OpenAsync(dir, FiveEventLog.Node + 1));

        Assert.Contains($"belongs to node {FiveEventLog.Node}", error.Message);
        Assert.Equal(before, Sha256(WalPath(dir)));
        await using var owner = await Nodes.OpenAsync(dir, FiveEventLog.Node);
        Assert.Equal(FiveEventLog.Count, owner.Recovery.Records);
    }
}

using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using ZamSync.Tests.Support;
using ZamSync.Wal;

namespace ZamSync.Tests.Wal;

/// <summary>A record as it sits in the file: where it starts and its decoded header.</summary>
internal readonly record struct RecordOnDisk(long Offset, WalRecordHeader Header)
{
    public int Length => Header.RecordLength;
    public long End => Offset + Length;
    public long BodyOffset => Offset + WalRecord.HeaderSize;
    public long TrailerOffset => BodyOffset + Header.BodyLength;
}

/// <summary>
/// Test-side tools to damage a log on disk the way a crash, a bad disk or an attacker would, using the
/// runtime's own format constants (never a second copy of the format).
/// </summary>
internal static class WalFileSurgery
{
    public static string WalPath(string directory) => Path.Combine(directory, WalEventStore.FileName);

    /// <summary>Every record of an intact log, in file order. Fails the test if the log is not intact.</summary>
    public static List<RecordOnDisk> Records(string directory)
    {
        var bytes = File.ReadAllBytes(WalPath(directory));
        var records = new List<RecordOnDisk>();
        long offset = WalFileHeader.Size;
        while (offset < bytes.Length)
        {
            Assert.True(WalRecord.TryReadHeader(bytes.AsSpan((int)offset), out var header), $"no intact record header at byte {offset}");
            records.Add(new RecordOnDisk(offset, header));
            offset += header.RecordLength;
        }
        Assert.Equal(bytes.Length, offset);
        return records;
    }

    public static string Sha256(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    public static void FlipByte(string path, long offset, byte mask = 0x5A)
    {
        using var file = File.Open(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        int value = file.ReadByte();
        Assert.True(value >= 0, $"byte {offset} is past the end of '{path}'");
        file.Position = offset;
        file.WriteByte((byte)(value ^ mask));
    }

    public static void WriteAt(string path, long offset, ReadOnlySpan<byte> bytes)
    {
        using var file = File.Open(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        file.Write(bytes);
    }

    public static byte[] ReadAt(string path, long offset, int count)
    {
        using var file = File.OpenRead(path);
        var bytes = new byte[count];
        file.Position = offset;
        file.ReadExactly(bytes);
        return bytes;
    }

    public static void Truncate(string path, long length)
    {
        using var file = File.Open(path, FileMode.Open, FileAccess.ReadWrite);
        file.SetLength(length);
    }

    public static void Append(string path, ReadOnlySpan<byte> bytes)
    {
        using var file = File.Open(path, FileMode.Append, FileAccess.Write);
        file.Write(bytes);
    }

    /// <summary>Rewrites a record header with a valid header checksum, so only later checks can object.</summary>
    public static void RewriteHeader(string path, RecordOnDisk record, Func<WalRecordHeader, WalRecordHeader> change)
    {
        var head = new byte[WalRecord.HeaderSize];
        WalRecord.WriteHeader(head, change(record.Header));
        WriteAt(path, record.Offset, head);
    }

    /// <summary>Recomputes a record's body checksum from the bytes now on disk.</summary>
    public static void FixBodyChecksum(string path, RecordOnDisk record)
    {
        var body = ReadAt(path, record.BodyOffset, record.Header.BodyLength);
        var trailer = new byte[WalRecord.TrailerSize];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, Crc32C.HashToUInt32(body));
        WriteAt(path, record.TrailerOffset, trailer);
    }

    /// <summary>Copies every file of a data directory (no subdirectories exist in one).</summary>
    public static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
    }

    /// <summary>A payload of exactly <paramref name="length"/> bytes that names its event.</summary>
    public static byte[] Payload(string name, int length)
    {
        Assert.True(name.Length <= length);
        return Encoding.UTF8.GetBytes(name.PadRight(length, '.'));
    }

    public static string Text(ReadOnlyMemory<byte> payload) => Encoding.UTF8.GetString(payload.Span);

    /// <summary>Creates a log with <paramref name="count"/> events, one submit (so one batch) each, and closes it.</summary>
    public static async Task<List<string>> CreateLogAsync(string directory, ulong node, int count, int payloadLength = 24, ZamEngineOptions? options = null)
    {
        var payloads = new List<string>();
        await using var engine = await Nodes.OpenAsync(directory, node, options);
        for (int i = 1; i <= count; i++)
        {
            var payload = Payload($"event-{i}", payloadLength);
            var e = await engine.SubmitAsync(1, payload);
            Assert.Equal((ulong)i, e.Sequence);
            payloads.Add(Text(payload));
        }
        return payloads;
    }

    /// <summary>
    /// Opening must fail with <see cref="WalCorruptionException"/>, leave the log byte for byte as it was, and
    /// release the directory (a second attempt fails the same way, not with a lock error).
    /// </summary>
    public static async Task<WalCorruptionException> OpenMustBeRefusedAsync(string directory, ulong node = 1, ZamEngineOptions? options = null)
    {
        string path = WalPath(directory);
        string before = Sha256(path);
        var error = await Assert.ThrowsAsync<WalCorruptionException>(() => Nodes.OpenAsync(directory, node, options));
        Assert.Equal(before, Sha256(path));
        Assert.Equal(path, error.Path);
        var again = await Assert.ThrowsAsync<WalCorruptionException>(() => Nodes.OpenAsync(directory, node, options));
        Assert.Equal(error.Offset, again.Offset);
        Assert.Equal(before, Sha256(path));
        return error;
    }

    /// <summary>The payloads of an origin's events as the engine reads them, in sequence order.</summary>
    public static List<string> Payloads(ZamEngine engine, NodeId origin) =>
        engine.ReadEvents(origin).Select(e => Text(e.Payload)).ToList();
}

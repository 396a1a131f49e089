using System.Buffers.Binary;

namespace ZamSync.Storage;

/// <summary>
/// <c>clock.floor</c>: the highest clock reading this node has promised to peers (a frontier claim about itself).
/// Written durably before the promise is sent, and read on open, so that after a restart, a compaction or a wall
/// clock set back the node's own stamps still rise above every promise it made.
/// </summary>
/// <remarks>Layout: <c>"ZSCLOCK1" | i64 physical | u32 logical | u32 crc32c of the previous 20 bytes</c>.</remarks>
internal static class ClockFloorFile
{
    public const string FileName = "clock.floor";
    private static ReadOnlySpan<byte> Magic => "ZSCLOCK1"u8;
    private const int Size = 24;

    /// <summary>The stored floor; zero when there is none. A damaged file is an error: the promise it kept is unknown.</summary>
    public static Hlc Read(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return default;
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length != Size || !bytes.AsSpan(0, 8).SequenceEqual(Magic) ||
            BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(20)) != Crc32C.HashToUInt32(bytes.AsSpan(0, 20)))
            throw new ZamException($"The clock floor '{path}' is damaged. It records the highest clock reading this node promised its peers; restore it from a backup of this directory, or delete it only if the node's wall clock is certainly past every event it ever stamped.");
        return new Hlc(BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(16)));
    }

    public static void Write(string directory, Hlc floor)
    {
        var bytes = new byte[Size];
        Magic.CopyTo(bytes);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8), floor.Physical);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(16), floor.Logical);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(20), Crc32C.HashToUInt32(bytes.AsSpan(0, 20)));
        DurableFile.WriteAllBytes(Path.Combine(directory, FileName), bytes);
    }
}

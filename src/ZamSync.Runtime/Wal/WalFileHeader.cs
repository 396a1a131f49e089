using System.Buffers.Binary;
using System.IO.Hashing;
using System.Security.Cryptography;

namespace ZamSync.Wal;

/// <summary>
/// The 80-byte header at the start of every log file. See docs/wal-format.md.
/// </summary>
/// <remarks>
/// Layout (little-endian): magic "ZAMWAL\r\n" (8) | format version u16 | cipher u8 | reserved u8 |
/// reserved u32 | generation u64 | node id u64 | key-check nonce (12) | key-check tag (16) | sealed length
/// u64 | reserved (8) | CRC-32C of bytes 0..76 (u32). The sealed length is how much of the file compaction
/// wrote whole (flushed before the rename that published it): no crash can tear it, so damage there is
/// always refused, never cut as a torn tail. The key check is an AEAD tag over no plaintext with bytes 0..32 as associated data:
/// a wrong key is detected here, before any record is touched, so it can never be mistaken for a torn tail.
/// </remarks>
internal readonly record struct WalFileHeader(ushort Version, WalCipherKind Cipher, ulong Generation, NodeId NodeId, long SealedLength = 0)
{
    public const int Size = 80;
    internal const int CrcOffset = 76;
    public const ushort CurrentVersion = 1;
    private static ReadOnlySpan<byte> Magic => "ZAMWAL\r\n"u8;

    public static WalFileHeader Create(WalCipherKind cipher, NodeId nodeId)
    {
        Span<byte> generation = stackalloc byte[8];
        RandomNumberGenerator.Fill(generation);
        return new WalFileHeader(CurrentVersion, cipher, BinaryPrimitives.ReadUInt64LittleEndian(generation), nodeId);
    }

    public void Write(Span<byte> destination, WalCipher? cipher)
    {
        destination[..Size].Clear();
        Magic.CopyTo(destination);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], Version);
        destination[10] = (byte)Cipher;
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], Generation);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], NodeId.Value);
        if (cipher is not null) cipher.Seal(ReadOnlySpan<byte>.Empty, destination[..32], destination.Slice(32, WalCipher.Overhead));
        BinaryPrimitives.WriteInt64LittleEndian(destination[60..], SealedLength);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[CrcOffset..], Crc32C.HashToUInt32(destination[..CrcOffset]));
    }

    /// <summary>Parses and checks a header; the message of the exception says what is wrong.</summary>
    public static WalFileHeader Read(ReadOnlySpan<byte> source, string path)
    {
        if (source.Length < Size) throw new WalCorruptionException(path, 0, -1, $"the file is shorter than its {Size}-byte header");
        if (!source[..8].SequenceEqual(Magic)) throw new WalCorruptionException(path, 0, -1, "this is not a ZamSync log (bad magic)");
        if (BinaryPrimitives.ReadUInt32LittleEndian(source[CrcOffset..]) != Crc32C.HashToUInt32(source[..CrcOffset]))
            throw new WalCorruptionException(path, 0, -1, "the file header fails its checksum");
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(source[8..]);
        // A newer build's log is not damage: say so, and leave "media damage" for what no build writes.
        if (version > CurrentVersion)
            throw new ZamException($"The write-ahead log '{path}' has format version {version}, which this build does not read (it reads version {CurrentVersion}): it was written by a newer version of ZamSync. Open it with that version; the file was not modified.");
        if (version != CurrentVersion)
            throw new WalCorruptionException(path, 8, -1, $"format version {version} is not supported by this build (it reads version {CurrentVersion})");
        var cipher = (WalCipherKind)source[10];
        if (!Enum.IsDefined(cipher)) throw new WalCorruptionException(path, 10, -1, $"unknown cipher {(byte)cipher}");
        long sealedLength = BinaryPrimitives.ReadInt64LittleEndian(source[60..]);
        if (sealedLength != 0 && sealedLength < Size) throw new WalCorruptionException(path, 60, -1, $"the sealed length {sealedLength} is inside the header");
        return new WalFileHeader(version, cipher,
            BinaryPrimitives.ReadUInt64LittleEndian(source[16..]),
            new NodeId(BinaryPrimitives.ReadUInt64LittleEndian(source[24..])),
            sealedLength);
    }

    public static bool KeyMatches(ReadOnlySpan<byte> source, WalCipher cipher) =>
        cipher.TryOpen(source.Slice(32, WalCipher.Overhead), source[..32], Span<byte>.Empty);
}

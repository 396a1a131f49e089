using System.Buffers.Binary;
using System.Text;

namespace ZamSync.Storage;

/// <summary>
/// Reads the whole-table format that earlier versions kept in <c>peers.state</c> (docs/wal-format.md, "peers.state"):
/// magic "ZSPEERS2", count u32, then per peer, ascending by id, its id (u64), the length of its encoded vector (u32),
/// the vector, the length of its contract fingerprint (u32, 0 = none) and the fingerprint's UTF-8 bytes; CRC-32C of
/// everything before it. "ZSPEERS1" is the same without the fingerprints. Only read now, to migrate into the peer log.
/// </summary>
internal sealed class LegacyPeerStateFile(string directory)
{
    public const string FileName = "peers.state";
    private static ReadOnlySpan<byte> Magic => "ZSPEERS2"u8;
    private static ReadOnlySpan<byte> MagicV1 => "ZSPEERS1"u8;
    private static ReadOnlySpan<byte> MagicFamily => "ZSPEERS"u8;

    /// <summary>Longer than any fingerprint a handshake may carry (1 KiB), so never cut; bounds what a reader allocates.</summary>
    internal const int MaxFingerprintBytes = 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly string _path = System.IO.Path.Combine(directory, FileName);

    public string Path => _path;

    public IReadOnlyDictionary<NodeId, PeerRecord> Load()
    {
        var peers = new Dictionary<NodeId, PeerRecord>();
        if (!File.Exists(_path)) return peers;
        var bytes = File.ReadAllBytes(_path).AsSpan();
        if (bytes.Length >= 8 && bytes[..7].SequenceEqual(MagicFamily) && !bytes[..8].SequenceEqual(Magic) && !bytes[..8].SequenceEqual(MagicV1))
            throw new ZamException($"'{_path}' has format '{Encoding.ASCII.GetString(bytes[..8])}', which this version of ZamSync does not know (it reads ZSPEERS1 and ZSPEERS2): it was written by a newer version.");
        bool v1 = bytes.Length >= 8 && bytes[..8].SequenceEqual(MagicV1);
        if (bytes.Length < 16 || !(v1 || bytes[..8].SequenceEqual(Magic)) ||
            BinaryPrimitives.ReadUInt32LittleEndian(bytes[^4..]) != Crc32C.HashToUInt32(bytes[..^4]))
            throw Damaged("its checksum does not match");
        var body = bytes[..^4];
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(body[8..]);
        int offset = 12;
        for (uint i = 0; i < count; i++)
        {
            // The checksum matched, so these only fail for a file this code did not write: still a clear error.
            if (body.Length - offset < 12) throw Damaged($"peer {i + 1} of {count} is cut off");
            var peer = new NodeId(BinaryPrimitives.ReadUInt64LittleEndian(body[offset..]));
            int length = BinaryPrimitives.ReadInt32LittleEndian(body[(offset + 8)..]);
            offset += 12;
            if (length < 0 || length > body.Length - offset ||
                !VersionVector.TryDecode(body.Slice(offset, length), int.MaxValue, out var holds, out int read) || read != length)
                throw Damaged($"the vector of peer {peer} is malformed");
            offset += length;
            string? fingerprint = null;
            if (!v1)
            {
                if (body.Length - offset < 4) throw Damaged($"the contract fingerprint of peer {peer} is cut off");
                int fingerprintLength = BinaryPrimitives.ReadInt32LittleEndian(body[offset..]);
                offset += 4;
                if (fingerprintLength < 0 || fingerprintLength > MaxFingerprintBytes || fingerprintLength > body.Length - offset)
                    throw Damaged($"the contract fingerprint of peer {peer} has an impossible length ({fingerprintLength})");
                if (fingerprintLength > 0)
                {
                    try
                    {
                        fingerprint = StrictUtf8.GetString(body.Slice(offset, fingerprintLength));
                    }
                    catch (DecoderFallbackException)
                    {
                        throw Damaged($"the contract fingerprint of peer {peer} is not UTF-8");
                    }
                }
                offset += fingerprintLength;
            }
            if (!peers.TryAdd(peer, new PeerRecord(holds, fingerprint)))
                throw Damaged($"peer {peer} appears twice");
        }
        if (offset != body.Length) throw Damaged($"{body.Length - offset} bytes follow the last peer");
        return peers;
    }

    private ZamException Damaged(string what) =>
        new($"'{_path}' is damaged ({what}). It was only ever replaced atomically, so this is media damage; delete it to let peers re-declare what they hold, and do not compact until every peer has synced again (compaction only waits for peers it knows of; the next session to each peer also sends the contract schema).");
}

using System.Buffers.Binary;
using System.Text;

namespace ZamSync.Storage;

/// <summary>
/// Peer knowledge in <c>peers.state</c> (docs/wal-format.md, "peers.state"): magic "ZSPEERS2", count u32, then per
/// peer, ascending by id, its id (u64), the length of its encoded vector (u32), the vector, the length of its contract
/// fingerprint (u32, 0 = none) and the fingerprint's UTF-8 bytes; CRC-32C of everything before it. Files of the first
/// format ("ZSPEERS1": the same without the fingerprints) are read, and replaced by the second on the next save.
/// Replaced atomically (temporary file, fsync, rename, directory fsync), so a crash leaves the old table or the new
/// one, never a torn one.
/// </summary>
public sealed class FilePeerStore(string directory) : IPeerStore
{
    public const string FileName = "peers.state";
    private static ReadOnlySpan<byte> Magic => "ZSPEERS2"u8;
    private static ReadOnlySpan<byte> MagicV1 => "ZSPEERS1"u8;
    private static ReadOnlySpan<byte> MagicFamily => "ZSPEERS"u8;

    /// <summary>Longer than any fingerprint a handshake may carry (1 KiB), so never cut; bounds what a reader allocates.</summary>
    private const int MaxFingerprintBytes = 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly string _path = Path.Combine(directory, FileName);

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

    public void Save(IReadOnlyDictionary<NodeId, PeerRecord> peers)
    {
        ArgumentNullException.ThrowIfNull(peers);
        var fingerprints = new Dictionary<NodeId, byte[]>(peers.Count);
        foreach (var (peer, record) in peers)
        {
            var utf8 = StrictUtf8.GetBytes(record.ContractFingerprint ?? "");
            if (utf8.Length > MaxFingerprintBytes)
                throw new ArgumentException($"The contract fingerprint of peer {peer} is {utf8.Length} bytes; at most {MaxFingerprintBytes} are kept.", nameof(peers));
            fingerprints[peer] = utf8;
        }
        int size = 12 + peers.Sum(p => 16 + p.Value.Holds.EncodedSize + fingerprints[p.Key].Length) + 4;
        var bytes = new byte[size];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], (uint)peers.Count);
        int offset = 12;
        foreach (var (peer, record) in peers.OrderBy(p => p.Key.Value))
        {
            BinaryPrimitives.WriteUInt64LittleEndian(span[offset..], peer.Value);
            int length = record.Holds.Encode(span[(offset + 12)..]);
            BinaryPrimitives.WriteInt32LittleEndian(span[(offset + 8)..], length);
            offset += 12 + length;
            var fingerprint = fingerprints[peer];
            BinaryPrimitives.WriteInt32LittleEndian(span[offset..], fingerprint.Length);
            fingerprint.CopyTo(span[(offset + 4)..]);
            offset += 4 + fingerprint.Length;
        }
        BinaryPrimitives.WriteUInt32LittleEndian(span[offset..], Crc32C.HashToUInt32(span[..offset]));
        DurableFile.WriteAllBytes(_path, span[..(offset + 4)]);
    }

    private ZamException Damaged(string what) =>
        new($"'{_path}' is damaged ({what}). It is only ever replaced atomically, so this is media damage; delete it to let peers re-declare what they hold, and do not compact until every peer has synced again (compaction only waits for peers it knows of; the next session to each peer also sends the contract schema).");
}

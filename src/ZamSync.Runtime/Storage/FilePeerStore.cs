using System.Buffers.Binary;

namespace ZamSync.Storage;

/// <summary>
/// Peer knowledge in <c>peers.state</c>: magic "ZSPEERS1", count u32, then per peer its id (u64), the
/// length of its encoded vector (u32) and the vector; CRC-32C of everything before it. Replaced atomically
/// (temporary file, fsync, rename, directory fsync), so a crash leaves the old table or the new one, never
/// a torn one.
/// </summary>
public sealed class FilePeerStore(string directory) : IPeerStore
{
    public const string FileName = "peers.state";
    private static ReadOnlySpan<byte> Magic => "ZSPEERS1"u8;
    private readonly string _path = Path.Combine(directory, FileName);

    public IReadOnlyDictionary<NodeId, VersionVector> Load()
    {
        var peers = new Dictionary<NodeId, VersionVector>();
        if (!File.Exists(_path)) return peers;
        var bytes = File.ReadAllBytes(_path).AsSpan();
        if (bytes.Length < 16 || !bytes[..8].SequenceEqual(Magic) ||
            BinaryPrimitives.ReadUInt32LittleEndian(bytes[^4..]) != Crc32C.HashToUInt32(bytes[..^4]))
            throw new ZamException($"'{_path}' is damaged. It is only ever replaced atomically, so this is media damage; delete it to let peers re-declare what they hold (compaction then waits for them).");
        var body = bytes[..^4];
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(body[8..]);
        int offset = 12;
        for (uint i = 0; i < count; i++)
        {
            var peer = new NodeId(BinaryPrimitives.ReadUInt64LittleEndian(body[offset..]));
            int length = BinaryPrimitives.ReadInt32LittleEndian(body[(offset + 8)..]);
            offset += 12;
            peers[peer] = VersionVector.Decode(body.Slice(offset, length));
            offset += length;
        }
        return peers;
    }

    public void Save(IReadOnlyDictionary<NodeId, VersionVector> peers)
    {
        ArgumentNullException.ThrowIfNull(peers);
        int size = 12 + peers.Sum(p => 12 + p.Value.EncodedSize) + 4;
        var bytes = new byte[size];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], (uint)peers.Count);
        int offset = 12;
        foreach (var (peer, vector) in peers.OrderBy(p => p.Key.Value))
        {
            BinaryPrimitives.WriteUInt64LittleEndian(span[offset..], peer.Value);
            int length = vector.Encode(span[(offset + 12)..]);
            BinaryPrimitives.WriteInt32LittleEndian(span[(offset + 8)..], length);
            offset += 12 + length;
        }
        BinaryPrimitives.WriteUInt32LittleEndian(span[offset..], Crc32C.HashToUInt32(span[..offset]));
        DurableFile.WriteAllBytes(_path, span[..(offset + 4)]);
    }
}

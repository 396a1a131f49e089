using System.Buffers.Binary;
using ZamSync.Storage;
using ZamSync.Tests.Support;

namespace ZamSync.Tests.Engine;

/// <summary><c>peers.state</c>: both formats load, the second round-trips fingerprints, damage is refused by name (docs/wal-format.md).</summary>
public class PeerStoreFileTests
{
    private static readonly NodeId Hub = new(1000), Other = new(3);

    private static VersionVector Vector(params (ulong Origin, ulong Sequence)[] entries) =>
        new(entries.Select(e => KeyValuePair.Create(new NodeId(e.Origin), e.Sequence)));

    /// <summary>A table in the first format, written by hand from its documented layout.</summary>
    private static byte[] FormatOne(params (NodeId Peer, VersionVector Holds)[] peers)
    {
        var bytes = new List<byte>("ZSPEERS1"u8.ToArray());
        bytes.AddRange(BitConverter.GetBytes((uint)peers.Length));
        foreach (var (peer, holds) in peers)
        {
            var vector = holds.ToBytes();
            bytes.AddRange(BitConverter.GetBytes(peer.Value));
            bytes.AddRange(BitConverter.GetBytes(vector.Length));
            bytes.AddRange(vector);
        }
        return Sealed([.. bytes]);
    }

    /// <summary><paramref name="body"/> followed by its CRC-32C, as both formats end.</summary>
    private static byte[] Sealed(byte[] body)
    {
        var bytes = new byte[body.Length + 4];
        body.CopyTo(bytes, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(body.Length), Crc32C.HashToUInt32(body));
        return bytes;
    }

    [Fact]
    public async Task A_first_format_table_loads_and_the_next_save_writes_the_second()
    {
        using var temp = new TempDirectory("peers");
        string dir = temp.Sub("node");
        var holds = Vector((1, 5), (1000, 7));
        await using (var engine = await Nodes.OpenAsync(dir, 1)) { }
        File.WriteAllBytes(Path.Combine(dir, FilePeerStore.FileName), FormatOne((Hub, holds), (Other, new VersionVector())));

        await using var reopened = await Nodes.OpenAsync(dir, 1);

        Assert.Equal(holds, reopened.PeerKnowledge(Hub));
        Assert.Equal([Other, Hub], reopened.Peers.Keys.Order());
        Assert.Null(reopened.PeerContract(Hub));
        reopened.RecordPeerHandshake(Hub, holds, "v1");
        Assert.Equal("ZSPEERS2"u8.ToArray(), File.ReadAllBytes(Path.Combine(dir, FilePeerStore.FileName))[..8]);
        var loaded = new FilePeerStore(dir).Load();
        Assert.Equal("v1", loaded[Hub].ContractFingerprint);
        Assert.Equal(holds, loaded[Hub].Holds);
        Assert.Equal((new VersionVector(), (string?)null), (loaded[Other].Holds, loaded[Other].ContractFingerprint));
    }

    [Fact]
    public void The_second_format_round_trips_vectors_and_fingerprints_byte_for_byte_as_documented()
    {
        using var temp = new TempDirectory("peers");
        var store = new FilePeerStore(temp.Path);
        store.Save(new Dictionary<NodeId, PeerRecord>
        {
            [Hub] = new(Vector((1, 300)), "sha256:ab"),
            [Other] = new(new VersionVector()),
        });

        var bytes = File.ReadAllBytes(Path.Combine(temp.Path, FilePeerStore.FileName));
        // magic · count · (id · vector length · vector · fingerprint length · fingerprint)* · CRC, peers ascending.
        var expected = new List<byte>("ZSPEERS2"u8.ToArray());
        expected.AddRange(BitConverter.GetBytes(2u));
        expected.AddRange(BitConverter.GetBytes(3UL)); expected.AddRange(BitConverter.GetBytes(1)); expected.Add(0);
        expected.AddRange(BitConverter.GetBytes(0));
        expected.AddRange(BitConverter.GetBytes(1000UL)); expected.AddRange(BitConverter.GetBytes(4)); expected.AddRange(new byte[] { 1, 1, 0xAC, 0x02 });
        expected.AddRange(BitConverter.GetBytes(9)); expected.AddRange("sha256:ab"u8.ToArray());
        Assert.Equal(Sealed([.. expected]), bytes);

        var loaded = store.Load();
        Assert.Equal("sha256:ab", loaded[Hub].ContractFingerprint);
        Assert.Equal(Vector((1, 300)), loaded[Hub].Holds);
        Assert.Null(loaded[Other].ContractFingerprint);
    }

    [Fact]
    public async Task A_damaged_second_format_table_stops_the_open_naming_the_file()
    {
        using var temp = new TempDirectory("peers");
        string dir = temp.Sub("node");
        await using (var engine = await Nodes.OpenAsync(dir, 1))
            engine.RecordPeerHandshake(Hub, Vector((1, 5)), "v1");
        string path = Path.Combine(dir, FilePeerStore.FileName);
        var bytes = File.ReadAllBytes(path);
        bytes[^6] ^= 0x20; // inside the fingerprint
        File.WriteAllBytes(path, bytes);

        var error = await Assert.ThrowsAsync<ZamException>(() => Nodes.OpenAsync(dir, 1));

        Assert.Contains(path, error.Message);
        Assert.Contains("is damaged", error.Message);
        Assert.Equal(bytes, File.ReadAllBytes(path)); // untouched
    }

    public static TheoryData<string, byte[]> Inconsistent => new()
    {
        // The checksum matches, the contents do not add up: still a clear error, never an index exception.
        { "peer 2 of 2 is cut off", Body(2, Peer(Hub, [0], 0)) },
        { "impossible length (2000)", Body(1, Peer(Hub, [0], 2000)) },
        { "impossible length (-1)", Body(1, Peer(Hub, [0], -1)) },
        { "the vector of peer 1000 is malformed", Body(1, Peer(Hub, [1, 1, 0], 0)) },
        { "not UTF-8", Body(1, Peer(Hub, [0], 1, 0xFF)) },
        { "appears twice", Body(2, [.. Peer(Hub, [0], 0), .. Peer(Hub, [0], 0)]) },
        { "3 bytes follow the last peer", Body(1, [.. Peer(Hub, [0], 0), 1, 2, 3]) },
    };

    private static byte[] Body(uint count, byte[] peers) =>
        Sealed([.. "ZSPEERS2"u8, .. BitConverter.GetBytes(count), .. peers]);

    private static byte[] Peer(NodeId id, byte[] vector, int fingerprintLength, params byte[] fingerprint) =>
        [.. BitConverter.GetBytes(id.Value), .. BitConverter.GetBytes(vector.Length), .. vector, .. BitConverter.GetBytes(fingerprintLength), .. fingerprint];

    [Theory]
    [MemberData(nameof(Inconsistent))]
    public void A_table_whose_checksum_matches_but_whose_contents_do_not_add_up_is_refused_by_name(string what, byte[] file)
    {
        using var temp = new TempDirectory("peers");
        File.WriteAllBytes(Path.Combine(temp.Path, FilePeerStore.FileName), file);

        var error = Assert.Throws<ZamException>(() => new FilePeerStore(temp.Path).Load());

        Assert.Contains("is damaged", error.Message);
        Assert.Contains(what, error.Message);
    }

    [Fact]
    public void A_table_from_a_newer_version_is_named_as_such_not_as_damage()
    {
        using var temp = new TempDirectory("peers");
        File.WriteAllBytes(Path.Combine(temp.Path, FilePeerStore.FileName), Sealed([.. "ZSPEERS3"u8, 0, 0, 0, 0]));

        var error = Assert.Throws<ZamException>(() => new FilePeerStore(temp.Path).Load());

        Assert.Contains("'ZSPEERS3'", error.Message);
        Assert.Contains("newer version", error.Message);
        Assert.DoesNotContain("damaged", error.Message);
    }

    [Fact]
    public void A_fingerprint_longer_than_a_handshake_may_carry_is_not_saved()
    {
        using var temp = new TempDirectory("peers");
        var store = new FilePeerStore(temp.Path);
        var peers = new Dictionary<NodeId, PeerRecord> { [Hub] = new(new VersionVector(), new string('x', 1025)) };

        Assert.Throws<ArgumentException>(() => store.Save(peers));
        Assert.False(File.Exists(Path.Combine(temp.Path, FilePeerStore.FileName)));
    }
}

using System.Buffers.Binary;
using ZamSync.Storage;
using ZamSync.Tests.Support;

namespace ZamSync.Tests.Engine;

/// <summary>
/// <c>peers.log</c> (docs/wal-format.md): knowledge survives reopen, is appended per changed peer and session rather than
/// rewritten, a torn tail is cut, a damaged record before the end is refused by file and offset, and the old
/// <c>peers.state</c> (both formats) is migrated.
/// </summary>
public class PeerStoreFileTests
{
    private static readonly NodeId Hub = new(1000), Other = new(3);

    private static VersionVector Vector(params (ulong Origin, ulong Sequence)[] entries) =>
        new(entries.Select(e => KeyValuePair.Create(new NodeId(e.Origin), e.Sequence)));

    private static Dictionary<NodeId, PeerRecord> One(NodeId peer, VersionVector holds, string? contract = null) =>
        new() { [peer] = new PeerRecord(holds, contract) };

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

    /// <summary><paramref name="body"/> followed by its CRC-32C, as both old formats end.</summary>
    private static byte[] Sealed(byte[] body)
    {
        var bytes = new byte[body.Length + 4];
        body.CopyTo(bytes, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(body.Length), Crc32C.HashToUInt32(body));
        return bytes;
    }

    private static string LogPath(string dir) => Path.Combine(dir, FilePeerStore.FileName);

    private static string LegacyPath(string dir) => Path.Combine(dir, FilePeerStore.LegacyFileName);

    [Fact]
    public async Task Knowledge_and_fingerprints_survive_a_reopen()
    {
        using var temp = new TempDirectory("peers");
        string dir = temp.Sub("node");
        await using (var engine = await Nodes.OpenAsync(dir, 1))
        {
            engine.RecordPeerHandshake(Hub, Vector((1, 5)), "v1");
            engine.RecordPeerKnowledge(Other, Vector((1, 2)));
            await engine.FlushPeerKnowledgeAsync(CancellationToken.None);
        }

        await using var reopened = await Nodes.OpenAsync(dir, 1);

        Assert.Equal(Vector((1, 5)), reopened.PeerKnowledge(Hub));
        Assert.Equal("v1", reopened.PeerContract(Hub));
        Assert.Equal(Vector((1, 2)), reopened.PeerKnowledge(Other));
    }

    [Fact]
    public async Task A_real_session_appends_one_record_per_peer_it_changed_and_the_hub_keeps_it_after_reopen()
    {
        using var temp = new TempDirectory("peers");
        string hubDir = temp.Sub("hub");
        await using (var hub = await Nodes.OpenAsync(hubDir, 1000))
        await using (var clinic = await Nodes.OpenAsync(temp.Sub("clinic"), 1))
        {
            long opened = new FileInfo(LogPath(hubDir)).Length;
            for (int round = 1; round <= 3; round++)
            {
                await Nodes.SubmitManyAsync(clinic, 5, $"r{round}-");
                long before = new FileInfo(LogPath(hubDir)).Length;
                (await Sessions.RunAsync(clinic, hub)).Require();
                long grown = new FileInfo(LogPath(hubDir)).Length - before;
                // The hand-shake's and both acknowledgements' knowledge of the clinic, coalesced into one record.
                Assert.Equal(PeerLogRecord.Encode(new NodeId(1), new PeerRecord(hub.PeerKnowledge(new NodeId(1)))).Length, grown);
            }
            Assert.True(new FileInfo(LogPath(hubDir)).Length > opened);
        }

        await using var reopened = await Nodes.OpenAsync(hubDir, 1000);
        Assert.Equal(15UL, reopened.PeerKnowledge(new NodeId(1))[new NodeId(1)]);
    }

    [Fact]
    public async Task A_thousand_peers_syncing_append_small_records_and_never_rewrite_the_log()
    {
        using var temp = new TempDirectory("peers");
        string dir = temp.Sub("hub");
        await using var hub = await Nodes.OpenAsync(dir, 1000);
        string path = LogPath(dir);
        var opened = File.ReadAllBytes(path);
        long expected = opened.Length;

        // What 1,000 clinics' sessions record: a handshake, then an acknowledgement, each flushed at its session's end.
        for (ulong peer = 1; peer <= 1000; peer++)
        {
            var id = new NodeId(peer);
            hub.RecordPeerHandshake(id, Vector((peer, 3)), "v1");
            hub.RecordPeerKnowledge(id, Vector((peer, 7)));
            await hub.FlushPeerKnowledgeAsync(CancellationToken.None);
            expected += PeerLogRecord.Encode(id, new PeerRecord(Vector((peer, 7)), "v1")).Length;
            Assert.Equal(expected, new FileInfo(path).Length);
        }

        // Appended, never rewritten: the bytes from the open are still the file's first bytes.
        var now = File.ReadAllBytes(path);
        Assert.Equal(opened, now[..opened.Length]);
        Assert.Equal(1000, hub.Peers.Count);
    }

    [Fact]
    public async Task Each_record_is_laid_out_as_documented()
    {
        using var temp = new TempDirectory("peers");
        var store = new FilePeerStore(temp.Path);
        await store.LoadAsync();
        await store.SaveAsync(One(Hub, Vector((1, 300)), "sha256:ab"));

        var bytes = File.ReadAllBytes(LogPath(temp.Path));
        // magic · (body length · CRC of body · id · vector length · vector · fingerprint length · fingerprint)*
        var body = new List<byte>();
        body.AddRange(BitConverter.GetBytes(1000UL)); body.AddRange(BitConverter.GetBytes(4)); body.AddRange(new byte[] { 1, 1, 0xAC, 0x02 });
        body.AddRange(BitConverter.GetBytes(9)); body.AddRange("sha256:ab"u8.ToArray());
        var expected = new List<byte>("ZSPEERL1"u8.ToArray());
        expected.AddRange(BitConverter.GetBytes(body.Count));
        expected.AddRange(BitConverter.GetBytes(Crc32C.HashToUInt32([.. body])));
        expected.AddRange(body);
        Assert.Equal([.. expected], bytes);
    }

    [Fact]
    public async Task Replay_never_moves_knowledge_backwards_and_keeps_the_latest_fingerprint()
    {
        using var temp = new TempDirectory("peers");
        var store = new FilePeerStore(temp.Path);
        await store.LoadAsync();
        await store.SaveAsync(One(Hub, Vector((1, 9), (2, 1)), "v1"));
        await store.SaveAsync(One(Hub, Vector((1, 4), (3, 2)), null));

        var loaded = await new FilePeerStore(temp.Path).LoadAsync();

        Assert.Equal(Vector((1, 9), (2, 1), (3, 2)), loaded[Hub].Holds);
        Assert.Null(loaded[Hub].ContractFingerprint);
    }

    [Fact]
    public async Task A_torn_last_record_is_cut_and_the_records_before_it_are_kept()
    {
        using var temp = new TempDirectory("peers");
        var store = new FilePeerStore(temp.Path);
        await store.LoadAsync();
        await store.SaveAsync(One(Hub, Vector((1, 5))));
        await store.SaveAsync(One(Other, Vector((1, 6))));
        long intact = new FileInfo(LogPath(temp.Path)).Length;
        await store.SaveAsync(One(new NodeId(7), Vector((1, 7))));
        using (var file = File.OpenHandle(LogPath(temp.Path), FileMode.Open, FileAccess.Write))
            RandomAccess.SetLength(file, new FileInfo(LogPath(temp.Path)).Length - 3); // a crash mid-write

        var loaded = await new FilePeerStore(temp.Path).LoadAsync();

        Assert.Equal([Other, Hub], loaded.Keys.Order());
        Assert.Equal(Vector((1, 5)), loaded[Hub].Holds);
        Assert.Equal(intact, new FileInfo(LogPath(temp.Path)).Length);
    }

    [Fact]
    public async Task A_damaged_record_before_the_end_stops_the_open_naming_the_file_and_offset()
    {
        using var temp = new TempDirectory("peers");
        string dir = temp.Sub("node");
        long second;
        await using (var engine = await Nodes.OpenAsync(dir, 1))
        {
            engine.RecordPeerHandshake(Hub, Vector((1, 5)), "v1");
            await engine.FlushPeerKnowledgeAsync(CancellationToken.None);
            second = new FileInfo(LogPath(dir)).Length;
            engine.RecordPeerKnowledge(Other, Vector((1, 2)));
            await engine.FlushPeerKnowledgeAsync(CancellationToken.None);
            engine.RecordPeerKnowledge(new NodeId(7), Vector((1, 3)));
            await engine.FlushPeerKnowledgeAsync(CancellationToken.None);
        }
        string path = LogPath(dir);
        var bytes = File.ReadAllBytes(path);
        bytes[second + PeerLogRecord.HeaderSize + 2] ^= 0x20; // inside the second record's id
        File.WriteAllBytes(path, bytes);

        var error = await Assert.ThrowsAsync<ZamException>(() => Nodes.OpenAsync(dir, 1));

        Assert.Contains(path, error.Message);
        Assert.Contains($"is damaged at offset {second}", error.Message);
        Assert.Equal(bytes, File.ReadAllBytes(path)); // untouched, so the intact records are still there to recover
    }

    [Fact]
    public async Task A_first_format_peers_state_is_migrated_into_the_log_and_removed()
    {
        using var temp = new TempDirectory("peers");
        string dir = temp.Sub("node");
        var holds = Vector((1, 5), (1000, 7));
        await using (var engine = await Nodes.OpenAsync(dir, 1)) { }
        File.Delete(LogPath(dir));
        File.WriteAllBytes(LegacyPath(dir), FormatOne((Hub, holds), (Other, new VersionVector())));

        await using (var migrated = await Nodes.OpenAsync(dir, 1))
        {
            Assert.Equal(holds, migrated.PeerKnowledge(Hub));
            Assert.Equal([Other, Hub], migrated.Peers.Keys.Order());
            Assert.Null(migrated.PeerContract(Hub));
        }
        Assert.False(File.Exists(LegacyPath(dir)));

        await using var reopened = await Nodes.OpenAsync(dir, 1);
        Assert.Equal(holds, reopened.PeerKnowledge(Hub));
        Assert.Equal([Other, Hub], reopened.Peers.Keys.Order());
    }

    [Fact]
    public async Task A_second_format_peers_state_is_migrated_with_its_fingerprints_under_what_the_log_adds()
    {
        using var temp = new TempDirectory("peers");
        string dir = temp.Sub("node");
        // As a crash between writing the log and deleting the old table leaves it: both files, the log newer.
        var log = new FilePeerStore(dir);
        await log.LoadAsync();
        await log.SaveAsync(One(Other, Vector((1, 9)), "v2"));
        File.WriteAllBytes(LegacyPath(dir), Body(2, [.. Peer(Other, [0], 0), .. Peer(Hub, [1, 1, 5], 2, (byte)'v', (byte)'1')]));

        await using var engine = await Nodes.OpenAsync(dir, 1);

        Assert.Equal((Vector((1, 5)), "v1"), (engine.PeerKnowledge(Hub), engine.PeerContract(Hub)));
        Assert.Equal((Vector((1, 9)), "v2"), (engine.PeerKnowledge(Other), engine.PeerContract(Other)));
        Assert.False(File.Exists(LegacyPath(dir)));
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
    public async Task An_old_table_whose_checksum_matches_but_whose_contents_do_not_add_up_is_refused_by_name(string what, byte[] file)
    {
        using var temp = new TempDirectory("peers");
        File.WriteAllBytes(LegacyPath(temp.Path), file);

        var error = await Assert.ThrowsAsync<ZamException>(() => new FilePeerStore(temp.Path).LoadAsync().AsTask());

        Assert.Contains("is damaged", error.Message);
        Assert.Contains(what, error.Message);
        Assert.True(File.Exists(LegacyPath(temp.Path))); // never deleted unless migrated
    }

    [Theory]
    [InlineData("peers.state", "ZSPEERS3")]
    [InlineData("peers.log", "ZSPEERL2")]
    public async Task A_file_from_a_newer_version_is_named_as_such_not_as_damage(string name, string magic)
    {
        using var temp = new TempDirectory("peers");
        File.WriteAllBytes(Path.Combine(temp.Path, name), Sealed([.. System.Text.Encoding.ASCII.GetBytes(magic), 0, 0, 0, 0]));

        var error = await Assert.ThrowsAsync<ZamException>(() => new FilePeerStore(temp.Path).LoadAsync().AsTask());

        Assert.Contains($"'{magic}'", error.Message);
        Assert.Contains("newer version", error.Message);
        Assert.DoesNotContain("damaged", error.Message);
    }

    [Fact]
    public async Task A_fingerprint_longer_than_a_handshake_may_carry_is_not_saved()
    {
        using var temp = new TempDirectory("peers");
        var store = new FilePeerStore(temp.Path);
        await store.LoadAsync();
        long before = new FileInfo(LogPath(temp.Path)).Length;

        await Assert.ThrowsAsync<ArgumentException>(() => store.SaveAsync(One(Hub, new VersionVector(), new string('x', 1025))).AsTask());
        Assert.Equal(before, new FileInfo(LogPath(temp.Path)).Length);
    }
}

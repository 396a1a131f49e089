using System.Text;
using ZamSync.Storage;
using ZamSync.Tests.Support;
using ZamSync.Wal;
using static ZamSync.Tests.Wal.WalFileSurgery;

namespace ZamSync.Tests.Wal;

/// <summary>
/// Encryption at rest. The original truncated a log to zero bytes when opened with the wrong key (the
/// decrypt failure looked like a torn tail); here every key mismatch is refused before a byte changes, and
/// a record's body is bound to its identity, so bodies cannot be swapped between records.
/// </summary>
public class EncryptedLogTests
{
    private const ulong Node = 1;
    private const int Events = 5, PayloadLength = 24;

    private static byte[] Key(int seed)
    {
        var key = new byte[WalCipher.KeySize];
        new Random(seed).NextBytes(key);
        return key;
    }

    private static ZamEngineOptions Encrypted(WalCipherKind cipher, byte[] key) =>
        new() { Wal = new WalOptions { Cipher = cipher, Key = key } };

    private static string SnapshotPath(string dir) => Path.Combine(dir, StateSnapshotFile.FileName);

    private static bool Contains(byte[] haystack, string needle) =>
        haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(needle)) >= 0;

    [Theory]
    [InlineData(WalCipherKind.Aes256Gcm)]
    [InlineData(WalCipherKind.ChaCha20Poly1305)]
    public async Task Encrypted_log_round_trips_payloads_and_keeps_no_plaintext_on_disk(WalCipherKind cipher)
    {
        using var temp = new TempDirectory("crypt");
        string dir = temp.Sub("node");
        var options = Encrypted(cipher, Key(1));
        var payloads = await CreateLogAsync(dir, Node, Events, PayloadLength, options);

        Assert.All(Records(dir), r => Assert.Equal(PayloadLength + WalCipher.Overhead, r.Header.BodyLength));
        Assert.False(Contains(File.ReadAllBytes(WalPath(dir)), "event-"), "a payload is readable in events.wal");
        Assert.False(Contains(File.ReadAllBytes(SnapshotPath(dir)), "event-"), "a payload is readable in state.snapshot");

        await using (var engine = await Nodes.OpenAsync(dir, Node, options))
        {
            Assert.Equal(payloads, Payloads(engine, new NodeId(Node)));
            Assert.Equal(Events, engine.State.Count);
            Assert.Equal((ulong)Events + 1, (await engine.SubmitAsync(1, Payload("event-more", PayloadLength))).Sequence);
        }

        File.Delete(SnapshotPath(dir)); // fold from the log: every record decrypted on the way
        await using var replayed = await Nodes.OpenAsync(dir, Node, options);
        Assert.Equal(payloads.Append(Text(Payload("event-more", PayloadLength))), Payloads(replayed, new NodeId(Node)));
        Assert.Equal(Events + 1, replayed.State.Count);
    }

    [Fact]
    public async Task Wrong_key_is_refused_before_anything_changes_and_the_right_key_still_opens()
    {
        using var temp = new TempDirectory("crypt");
        string dir = temp.Sub("node");
        var right = Encrypted(WalCipherKind.Aes256Gcm, Key(1));
        var payloads = await CreateLogAsync(dir, Node, Events, PayloadLength, right);
        string wal = Sha256(WalPath(dir)), snapshot = Sha256(SnapshotPath(dir));

        var error = await Assert.ThrowsAsync<WalKeyException>(() => Nodes.OpenAsync(dir, Node, Encrypted(WalCipherKind.Aes256Gcm, Key(2))));

        Assert.Contains("key does not open", error.Message);
        Assert.Equal(wal, Sha256(WalPath(dir)));
        Assert.Equal(snapshot, Sha256(SnapshotPath(dir)));
        await using var engine = await Nodes.OpenAsync(dir, Node, right);
        Assert.Equal(payloads, Payloads(engine, new NodeId(Node)));
    }

    [Fact]
    public async Task Wrong_key_on_a_log_with_a_torn_tail_is_refused_without_cutting_the_tail()
    {
        // The key is checked before recovery: a wrong key must never be able to trigger a truncation.
        using var temp = new TempDirectory("crypt");
        string dir = temp.Sub("node");
        await CreateLogAsync(dir, Node, Events, PayloadLength, Encrypted(WalCipherKind.Aes256Gcm, Key(1)));
        Append(WalPath(dir), new byte[100]);
        string before = Sha256(WalPath(dir));

        await Assert.ThrowsAsync<WalKeyException>(() => Nodes.OpenAsync(dir, Node, Encrypted(WalCipherKind.Aes256Gcm, Key(2))));

        Assert.Equal(before, Sha256(WalPath(dir)));
    }

    [Fact]
    public async Task Missing_key_on_an_encrypted_log_is_refused_and_changes_nothing()
    {
        using var temp = new TempDirectory("crypt");
        string dir = temp.Sub("node");
        await CreateLogAsync(dir, Node, Events, PayloadLength, Encrypted(WalCipherKind.ChaCha20Poly1305, Key(1)));
        string before = Sha256(WalPath(dir));

        var error = await Assert.ThrowsAsync<WalKeyException>(() => Nodes.OpenAsync(dir, Node));

        Assert.Contains("encrypted", error.Message);
        Assert.Equal(before, Sha256(WalPath(dir)));
    }

    [Fact]
    public async Task Key_on_a_plain_log_is_refused_and_changes_nothing()
    {
        using var temp = new TempDirectory("crypt");
        string dir = temp.Sub("node");
        await CreateLogAsync(dir, Node, Events, PayloadLength);
        string before = Sha256(WalPath(dir));

        var error = await Assert.ThrowsAsync<WalKeyException>(() => Nodes.OpenAsync(dir, Node, Encrypted(WalCipherKind.Aes256Gcm, Key(1))));

        Assert.Contains("not encrypted", error.Message);
        Assert.Equal(before, Sha256(WalPath(dir)));
    }

    [Fact]
    public async Task Right_key_with_the_other_cipher_is_refused_and_changes_nothing()
    {
        using var temp = new TempDirectory("crypt");
        string dir = temp.Sub("node");
        await CreateLogAsync(dir, Node, Events, PayloadLength, Encrypted(WalCipherKind.Aes256Gcm, Key(1)));
        string before = Sha256(WalPath(dir));

        await Assert.ThrowsAsync<WalKeyException>(() => Nodes.OpenAsync(dir, Node, Encrypted(WalCipherKind.ChaCha20Poly1305, Key(1))));

        Assert.Equal(before, Sha256(WalPath(dir)));
    }

    /// <summary>
    /// Swaps the sealed bodies of records 2 and 3 (same length) and re-seals both body checksums, so the
    /// checksums pass and only the AEAD, whose associated data is the record's identity, can notice.
    /// </summary>
    private static async Task<(string Dir, RecordOnDisk Second, List<string> Payloads)> LogWithSwappedBodiesAsync(TempDirectory temp, byte[] key)
    {
        string dir = temp.Sub("node");
        var payloads = await CreateLogAsync(dir, Node, Events, PayloadLength, Encrypted(WalCipherKind.Aes256Gcm, key));
        var records = Records(dir);
        var (second, third) = (records[1], records[2]);
        Assert.Equal(second.Header.BodyLength, third.Header.BodyLength);
        string path = WalPath(dir);
        var body2 = ReadAt(path, second.BodyOffset, second.Header.BodyLength);
        var body3 = ReadAt(path, third.BodyOffset, third.Header.BodyLength);
        WriteAt(path, second.BodyOffset, body3);
        WriteAt(path, third.BodyOffset, body2);
        FixBodyChecksum(path, second);
        FixBodyChecksum(path, third);
        Assert.Equal(records, Records(dir)); // every header and checksum still reads as intact
        return (dir, second, payloads);
    }

    [Fact]
    public async Task Swapped_encrypted_bodies_fail_authentication_when_read()
    {
        using var temp = new TempDirectory("crypt");
        var key = Key(1);
        var (dir, second, payloads) = await LogWithSwappedBodiesAsync(temp, key);
        string before = Sha256(WalPath(dir));

        // The snapshot file lets the open skip decrypting; the scanner only checks checksums, which pass.
        await using (var engine = await Nodes.OpenAsync(dir, Node, Encrypted(WalCipherKind.Aes256Gcm, key)))
        {
            var error = Assert.Throws<WalCorruptionException>(() => engine.ReadEvents(new NodeId(Node), 1).ToList());
            Assert.Equal(second.Offset, error.Offset);
            Assert.Contains("authentication", error.Message);
            // The damage stays local: the records after the swapped pair still decrypt.
            Assert.Equal(payloads.Skip(3), engine.ReadEvents(new NodeId(Node), 4).Select(e => Text(e.Payload)));
        }
        Assert.Equal(before, Sha256(WalPath(dir)));
    }

    [Fact]
    public async Task Swapped_encrypted_bodies_refuse_an_open_that_has_to_replay_them()
    {
        using var temp = new TempDirectory("crypt");
        var key = Key(1);
        var (dir, second, _) = await LogWithSwappedBodiesAsync(temp, key);
        File.Delete(SnapshotPath(dir));
        string before = Sha256(WalPath(dir));

        var error = await Assert.ThrowsAsync<WalCorruptionException>(() => Nodes.OpenAsync(dir, Node, Encrypted(WalCipherKind.Aes256Gcm, key)));

        Assert.Equal(second.Offset, error.Offset);
        Assert.Contains("authentication", error.Reason);
        Assert.Equal(before, Sha256(WalPath(dir)));
    }
}

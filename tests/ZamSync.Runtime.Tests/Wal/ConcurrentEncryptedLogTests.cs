using System.Text;
using ZamSync.Tests.Support;
using ZamSync.Wal;

namespace ZamSync.Tests.Wal;

/// <summary>
/// The AEAD types are not thread-safe. With one instance for the whole log, sealing on the committer while
/// sessions read (opening records) made reads fail authentication, failed submits and left a log that would
/// not reopen; with ChaCha20-Poly1305 the process crashed. Submitters and readers here run together on one
/// encrypted log, as a hub's concurrent sessions do, and everything acknowledged must read back and reopen.
/// </summary>
public class ConcurrentEncryptedLogTests
{
    private const int Submitters = 8, Readers = 8, EventsPerSubmitter = 150;

    [Theory]
    [InlineData(WalCipherKind.Aes256Gcm)]
    [InlineData(WalCipherKind.ChaCha20Poly1305)]
    public async Task Eight_submitters_and_eight_readers_leave_a_log_that_reopens_intact(WalCipherKind cipher)
    {
        using var temp = new TempDirectory("crypt-conc");
        string dir = temp.Sub("node");
        var key = new byte[WalCipher.KeySize];
        new Random(7).NextBytes(key);
        var options = new ZamEngineOptions { Wal = new WalOptions { Cipher = cipher, Key = key } };
        var node = new NodeId(1);

        var acknowledged = new System.Collections.Concurrent.ConcurrentDictionary<ulong, string>();
        await using (var engine = await Nodes.OpenAsync(dir, 1, options))
        {
            using var stop = new CancellationTokenSource();
            int readErrors = 0;
            var readers = Enumerable.Range(0, Readers).Select(r => Task.Run(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    // Every event a reader sees must open and carry the payload it was submitted with.
                    foreach (var e in engine.ReadEvents(node))
                    {
                        string text = Encoding.UTF8.GetString(e.Payload.Span);
                        if (!text.StartsWith("s", StringComparison.Ordinal)) Interlocked.Increment(ref readErrors);
                    }
                    _ = engine.ReadAllEvents().Count();
                }
            })).ToArray();
            var submitters = Enumerable.Range(0, Submitters).Select(s => Task.Run(async () =>
            {
                for (int i = 0; i < EventsPerSubmitter; i++)
                {
                    string text = $"s{s}-e{i}-" + new string('x', 40 + (i % 7) * 13);
                    var envelope = await engine.SubmitAsync(1, Encoding.UTF8.GetBytes(text));
                    acknowledged[envelope.Sequence] = text;
                }
            })).ToArray();
            await Task.WhenAll(submitters);
            stop.Cancel();
            await Task.WhenAll(readers);
            Assert.Equal(0, readErrors);
        }

        Assert.Equal(Submitters * EventsPerSubmitter, acknowledged.Count);
        File.Delete(Path.Combine(dir, Storage.StateSnapshotFile.FileName)); // reopen by folding (decrypting) every record
        await using var reopened = await Nodes.OpenAsync(dir, 1, options);
        var held = reopened.ReadEvents(node).ToDictionary(e => e.Sequence, e => Encoding.UTF8.GetString(e.Payload.Span));
        Assert.Equal(acknowledged.OrderBy(p => p.Key), held.OrderBy(p => p.Key));
        Assert.Equal(acknowledged.Count, reopened.State.Count);
    }
}

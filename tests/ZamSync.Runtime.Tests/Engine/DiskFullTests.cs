using System.Collections.Concurrent;
using ZamSync.Tests.Support;
using ZamSync.Wal;
using static ZamSync.Tests.Wal.WalFileSurgery;

namespace ZamSync.Tests.Engine;

/// <summary>
/// A full disk on a real 1 MiB tmpfs. The failed submit is an error the caller sees, the state and what the
/// node claims to hold are unchanged, nothing half-written stays in the log, and the engine works again as
/// soon as there is space.
/// </summary>
public class DiskFullTests
{
    private const ulong Node = 1;
    private const int PayloadLength = 1000;
    private static readonly NodeId Origin = new(Node);

    [SmallFileSystemFact]
    public async Task Disk_full_fails_the_submit_visibly_and_changes_nothing_then_the_engine_recovers_when_space_returns()
    {
        using var temp = new TempDirectory("diskfull");
        using var disk = SmallFileSystem.Mount(temp.Sub("small"), 1 << 20);
        string dir = Path.Combine(disk.Path, "node"), filler = Path.Combine(disk.Path, "filler");
        var acknowledged = new List<string>();

        await using (var engine = await Nodes.OpenAsync(dir, Node))
        {
            try
            {
                for (int i = 0; i < 5; i++)
                    acknowledged.Add(Text((await Submit(engine, $"roomy-{i}")).Payload));
                disk.FillLeaving(filler, 40 * 1024);

                ZamStorageException? failure = null;
                VersionVector known = engine.Known;
                string hash = engine.Read(s => s.Hash());
                long walLength = new FileInfo(WalPath(dir)).Length;
                for (int i = 0; i < 1000 && failure is null; i++)
                {
                    known = engine.Known;
                    hash = engine.Read(s => s.Hash());
                    walLength = new FileInfo(WalPath(dir)).Length;
                    try
                    {
                        acknowledged.Add(Text((await Submit(engine, $"filling-{i}")).Payload));
                    }
                    catch (ZamStorageException ex)
                    {
                        failure = ex;
                    }
                }

                Assert.NotNull(failure);
                Assert.IsAssignableFrom<IOException>(failure.InnerException);
                Assert.Contains(WalPath(dir), failure.Message);
                Assert.Equal(known, engine.Known);
                Assert.Equal(hash, engine.Read(s => s.Hash()));
                Assert.Equal(acknowledged.Count, engine.Read(s => s.Count));
                Assert.Equal(walLength, new FileInfo(WalPath(dir)).Length); // the partial write was taken back
                Assert.Equal(acknowledged, Payloads(engine, Origin));

                // Still full: the next submit fails the same way, and still leaves no trace.
                await Assert.ThrowsAsync<ZamStorageException>(() => Submit(engine, "still-full"));
                Assert.Equal(known, engine.Known);
                Assert.Equal(walLength, new FileInfo(WalPath(dir)).Length);

                File.Delete(filler);
                var after = await Submit(engine, "space-again");
                Assert.Equal((ulong)acknowledged.Count + 1, after.Sequence);
                acknowledged.Add(Text(after.Payload));
                Assert.Equal(acknowledged, Payloads(engine, Origin));
                Assert.Equal(acknowledged.Count, engine.Read(s => s.Count));
            }
            finally
            {
                File.Delete(filler); // a failing assertion must not be masked by the close failing on a full disk
            }
        }

        await using var reopened = await Nodes.OpenAsync(dir, Node);
        Assert.False(reopened.Recovery.TailWasTorn);
        Assert.Equal(acknowledged, Payloads(reopened, Origin));
        Assert.Equal(acknowledged.Count, reopened.State.Count);
        Assert.Equal((ulong)acknowledged.Count, reopened.Known[Origin]);
    }

    [SmallFileSystemFact]
    public async Task Disk_full_under_concurrent_submits_keeps_exactly_the_acknowledged_events()
    {
        using var temp = new TempDirectory("diskfull");
        using var disk = SmallFileSystem.Mount(temp.Sub("small"), 1 << 20);
        string dir = Path.Combine(disk.Path, "node"), filler = Path.Combine(disk.Path, "filler");
        var acknowledged = new ConcurrentDictionary<ulong, string>();
        int failures = 0;

        await using (var engine = await Nodes.OpenAsync(dir, Node))
        {
            disk.FillLeaving(filler, 64 * 1024);
            var unexpected = new ConcurrentQueue<Exception>();
            var tasks = Enumerable.Range(0, 4).Select(t => Task.Run(async () =>
            {
                for (int i = 0; i < 200; i++)
                {
                    try
                    {
                        var e = await Submit(engine, $"t{t}-{i}");
                        Assert.True(acknowledged.TryAdd(e.Sequence, Text(e.Payload)));
                    }
                    catch (ZamStorageException)
                    {
                        Interlocked.Increment(ref failures);
                    }
                    catch (Exception ex)
                    {
                        unexpected.Enqueue(ex);
                    }
                }
            })).ToArray();
            await Task.WhenAll(tasks);
            File.Delete(filler); // before any assertion, so a failing one is not masked by the close failing too

            Assert.Empty(unexpected); // a full disk is reported as ZamStorageException, whatever else is in flight
            Assert.True(failures > 0, "the disk never filled up");
            AssertHoldsExactly(engine, acknowledged);
            var after = await Submit(engine, "space-again");
            Assert.Equal((ulong)acknowledged.Count + 1, after.Sequence);
            acknowledged.TryAdd(after.Sequence, Text(after.Payload));
        }

        await using var reopened = await Nodes.OpenAsync(dir, Node);
        AssertHoldsExactly(reopened, acknowledged);
    }

    [SmallFileSystemFact]
    public async Task Closing_on_a_full_disk_still_releases_the_log_and_loses_nothing()
    {
        // Closing writes state.snapshot, which needs space. Failing to write that accelerator may be reported,
        // but the log must still be closed, and every acknowledged event must be there once space returns.
        using var temp = new TempDirectory("diskfull");
        using var disk = SmallFileSystem.Mount(temp.Sub("small"), 1 << 20);
        string dir = Path.Combine(disk.Path, "node"), filler = Path.Combine(disk.Path, "filler");
        var acknowledged = new List<string>();
        var engine = await Nodes.OpenAsync(dir, Node);
        try
        {
            for (int i = 0; i < 8; i++)
                acknowledged.Add(Text((await Submit(engine, $"before-close-{i}")).Payload));
            disk.FillLeaving(filler, 0);
        }
        finally
        {
            await Record.ExceptionAsync(async () => await engine.DisposeAsync());
        }

        Assert.True(FailedOpenTests.LogIsReleased(dir), "closing on a full disk left events.wal open");
        Assert.Empty(Directory.GetFiles(dir, "*.tmp")); // no half-written snapshot holding the space
        File.Delete(filler);
        await using var reopened = await Nodes.OpenAsync(dir, Node);
        Assert.Equal(acknowledged, Payloads(reopened, Origin));
        Assert.Equal(acknowledged.Count, reopened.State.Count);
    }

    [SmallFileSystemFact]
    public async Task Compaction_that_runs_out_of_space_keeps_the_old_log_and_leaves_no_temporary_file()
    {
        using var temp = new TempDirectory("diskfull");
        using var disk = SmallFileSystem.Mount(temp.Sub("small"), 1 << 20);
        string dir = Path.Combine(disk.Path, "node"), filler = Path.Combine(disk.Path, "filler");
        var acknowledged = new List<string>();
        await using (var engine = await Nodes.OpenAsync(dir, Node))
        {
            for (int i = 0; i < 100; i++)
                acknowledged.Add(Text((await Submit(engine, $"event-{i}")).Payload));
            // A peer holds the first 10, so compaction has to rewrite the other 90 (about 90 KiB).
            engine.RecordPeerKnowledge(new NodeId(2), new VersionVector([new(Origin, 10UL)]));
            disk.FillLeaving(filler, 16 * 1024);
            string before = Sha256(WalPath(dir));
            var known = engine.Known;

            var failure = await Record.ExceptionAsync(() => engine.CompactAsync());
            File.Delete(filler); // before any assertion, so a failing one is not masked by the close failing too

            Assert.IsAssignableFrom<IOException>(failure);
            Assert.Equal(before, Sha256(WalPath(dir)));
            Assert.Equal(known, engine.Known);
            Assert.Equal(acknowledged, Payloads(engine, Origin));
            Assert.Equal(new[] { WalEventStore.FileName }, Directory.GetFiles(dir, WalEventStore.FileName + "*").Select(Path.GetFileName));
            acknowledged.Add(Text((await Submit(engine, "after")).Payload));
        }

        await using var reopened = await Nodes.OpenAsync(dir, Node);
        Assert.Equal(acknowledged, Payloads(reopened, Origin));
    }

    private static async Task<EventEnvelope> Submit(ZamEngine engine, string name) =>
        await engine.SubmitAsync(1, Payload(name, PayloadLength));

    private static void AssertHoldsExactly(ZamEngine<LedgerState> engine, IReadOnlyDictionary<ulong, string> acknowledged)
    {
        // Acknowledged sequences are exactly 1..K: a failed write left no hole and no extra event.
        Assert.Equal(Enumerable.Range(1, acknowledged.Count).Select(i => (ulong)i), acknowledged.Keys.Order());
        Assert.Equal(acknowledged.Keys.Order().Select(k => acknowledged[k]), Payloads(engine, Origin));
        Assert.Equal(acknowledged.Count, engine.Read(s => s.Count));
    }
}

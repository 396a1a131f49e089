using System.Diagnostics;
using Xunit.Abstractions;
using ZamSync.Diagnostics;
using ZamSync.Tests.Support;
using ZamSync.Wal;
using static ZamSync.Tests.Wal.PersistedIndex.IndexedStores;

namespace ZamSync.Tests.Wal.PersistedIndex;

/// <summary>A million events: reopening reads only the tail, and the index costs at most 24 bytes per event.</summary>
public class IndexScaleTests(ITestOutputHelper output)
{
    private const int Million = 1_000_000;
    private static readonly NodeId Owner = new(11);

    [Fact]
    public async Task Reopening_a_1M_event_log_after_a_clean_close_scans_only_the_tail()
    {
        using var temp = new TempDirectory("idx-1m");
        string dir = temp.Sub("node"), crashed = temp.Sub("crashed");
        var watch = Stopwatch.StartNew();
        using (var metrics = new ZamMetrics())
        {
            var store = Open(dir, Owner, metrics);
            await using (store)
            {
                // Large batches through the ordinary durable path: a real log, 50 fsyncs instead of a million.
                const int batch = 20_000;
                var events = new List<StoredEvent>(batch);
                for (int first = 1; first <= Million; first += batch)
                {
                    events.Clear();
                    for (int s = first; s < first + batch; s++) events.Add(Event(Owner, (ulong)s, new Hlc(1_700_000_000_000 + s / 4, (uint)(s % 4))));
                    await AppendAsync(store, events);
                }
            }
        }
        output.WriteLine($"built and closed in {watch.ElapsedMilliseconds} ms, log {new FileInfo(WalFileSurgery.WalPath(dir)).Length:N0} B, index {new FileInfo(IndexPath(dir)).Length:N0} B");

        using (var metrics = new ZamMetrics())
        {
            watch.Restart();
            var store = Open(dir, Owner, metrics);
            long openMs = watch.ElapsedMilliseconds;
            await using (store)
            {
                Assert.True(store.Recovery.IndexUsed, store.Recovery.IndexNotUsedReason);
                Assert.Equal(0, store.Recovery.RecordsScanned);
                Assert.Equal(Million, store.Recovery.Records);
                Assert.Equal((ulong)Million, store.Known[Owner]);
                Assert.Equal(Million - 99UL, store.Read(Owner, Million - 99).First().Envelope.Sequence);
                long bytes = store.IndexBytes;
                output.WriteLine($"opened in {openMs} ms; index {bytes:N0} B = {(double)bytes / Million:N2} B/event");
                Assert.True(bytes <= 24L * Million, $"the index holds {(double)bytes / Million:N2} B per event");

                await AppendAsync(store, Enumerable.Range(Million + 1, 100).Select(s => Event(Owner, (ulong)s, new Hlc(1_800_000_000_000 + s, 0))).ToList());
                CopyCrashImage(dir, crashed);
            }
        }

        using var again = new ZamMetrics();
        await using var reopened = Open(crashed, Owner, again);
        Assert.True(reopened.Recovery.IndexUsed, reopened.Recovery.IndexNotUsedReason);
        Assert.Equal(100, reopened.Recovery.RecordsScanned);
        Assert.Equal(Million + 100, reopened.Recovery.Records);
        Assert.Equal(Million + 100UL, reopened.Known[Owner]);
        var view = reopened.CaptureFold();
        Assert.Equal(new EventKey(new Hlc(1_800_000_000_000 + Million + 100, 0), Owner, Million + 100UL), reopened.ReadFoldKeys(view, view.Count - 1).Single());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(64)]
    public void The_index_holds_at_most_24_bytes_per_event(int origins)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var index = new WalIndex();
        long offset = WalFileHeader.Size;
        var random = new Random(origins);
        var next = new ulong[origins];
        for (int i = 0; i < Million; i++)
        {
            int o = i % origins;
            // Now and then an event that sorts before the newest: the fold order merges it in.
            long physical = 1_700_000_000_000 + i - (random.Next(100) == 0 ? random.Next(1, 50) : 0);
            Assert.True(index.TryAdd(new EventKey(new Hlc(physical, 0), new NodeId(100 + (ulong)o), ++next[o]), new RecordRef(offset, 64)));
            offset += 64;
            if (i % 500 == 499) index.CompleteBatch();
        }
        index.CompleteBatch();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long held = index.AllocatedBytes;
        output.WriteLine($"{origins} origins: index holds {(double)held / Million:N2} B/event; building it allocated {(double)allocated / Million:N2} B/event");
        Assert.True(held <= 24L * Million, $"{(double)held / Million:N2} B per event");
        Assert.Equal(Million, index.FoldOrder.Count);
        var fold = index.FoldOrder;
        for (int i = 1; i < fold.Count; i += 997) Assert.True(fold[i - 1].Key < fold[i].Key);
    }
}

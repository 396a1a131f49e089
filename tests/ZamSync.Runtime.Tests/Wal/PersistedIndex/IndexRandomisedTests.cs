using Xunit.Abstractions;
using ZamSync.Diagnostics;
using ZamSync.Tests.Support;
using ZamSync.Wal;
using static ZamSync.Tests.Wal.PersistedIndex.IndexedStores;

namespace ZamSync.Tests.Wal.PersistedIndex;

/// <summary>
/// Random appends (several origins, some late), clean closes, crashes and compactions: after every reopen the store
/// answers exactly what a store that scanned the same log from scratch answers, and it scanned only the tail.
/// </summary>
public class IndexRandomisedTests(ITestOutputHelper output)
{
    private static readonly NodeId Owner = new(1);
    private static readonly NodeId[] Origins = [Owner, new(2), new(3), new(70_000)];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task The_index_after_any_history_equals_a_fresh_scan(int round)
    {
        int seed = Environment.TickCount + round;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        using var temp = new TempDirectory("idx-random");
        int generation = 0;
        string dir = temp.Sub($"g{generation}");
        var metrics = new ZamMetrics();
        var store = Open(dir, Owner, metrics);
        long clock = 1_000_000;
        long persistedRecords = -1; // records the index on disk covers; -1 while there is none
        try
        {
            for (int step = 0; step < 40; step++)
            {
                string context = $"step {step} (seed {seed})";
                int op = random.Next(10);
                if (op < 6)
                {
                    var events = new List<StoredEvent>();
                    var next = Origins.ToDictionary(o => o, o => store.HighestSequence(o));
                    for (int n = random.Next(1, 40); n > 0; n--)
                    {
                        var origin = Origins[random.Next(Origins.Length)];
                        clock += random.Next(0, 3);
                        // Some stamps sort before events already held (replicated from a slow clock).
                        long physical = random.Next(5) == 0 ? clock - random.Next(1, 200) : clock;
                        uint logical = random.Next(20) == 0 ? 300_000u + (uint)random.Next(10) : (uint)random.Next(3);
                        events.Add(Event(origin, ++next[origin], new Hlc(physical, logical), random.Next(1, 64)));
                    }
                    await AppendAsync(store, events);
                }
                else if (op < 8)
                {
                    bool crash = op == 7;
                    long records = Records(store);
                    string nextDir = temp.Sub($"g{++generation}");
                    if (crash) CopyCrashImage(dir, nextDir);
                    await store.DisposeAsync();
                    metrics.Dispose();
                    if (!crash)
                    {
                        CopyCrashImage(dir, nextDir);
                        persistedRecords = records;
                    }
                    dir = nextDir;
                    metrics = new ZamMetrics();
                    store = Open(dir, Owner, metrics);
                    Assert.Equal(persistedRecords >= 0, store.Recovery.IndexUsed);
                    Assert.Equal(persistedRecords >= 0 ? records - persistedRecords : records, store.Recovery.RecordsScanned);
                    Assert.Equal(await DescribeScannedAsync(dir, temp.Sub($"scan{generation}"), Owner), Describe(store));
                    output.WriteLine($"{context}: {(crash ? "crash" : "close")}, {records} records, scanned {store.Recovery.RecordsScanned}");
                }
                else
                {
                    var floors = new VersionVector();
                    foreach (var origin in Origins)
                    {
                        ulong held = store.HighestSequence(origin), floor = store.Floor(origin);
                        if (held > floor) floors.Advance(origin, floor + (ulong)random.Next(0, (int)(held - floor) + 1));
                    }
                    await using (await store.PauseCommitsAsync())
                        await store.CompactAsync(new StoreCompaction(floors, new EventKey(new Hlc(clock, 0), Owner, 1), new Hlc(clock, 0), new byte[] { (byte)step }));
                    persistedRecords = Records(store);
                    output.WriteLine($"{context}: compacted to {floors}");
                }
            }
        }
        finally
        {
            await store.DisposeAsync();
            metrics.Dispose();
        }
    }

    private static long Records(WalEventStore store) => store.CaptureFold().Count + (store.Base is null ? 0 : 1);
}

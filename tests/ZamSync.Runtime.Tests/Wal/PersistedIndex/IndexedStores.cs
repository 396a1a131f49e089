using System.Text;
using ZamSync.Diagnostics;
using ZamSync.Wal;
using ZamSync.Wal.Index;

namespace ZamSync.Tests.Wal.PersistedIndex;

/// <summary>Test-side tools for the persisted index: opening the store itself, crash images, and what an index says.</summary>
internal static class IndexedStores
{
    public static string IndexPath(string directory) => WalIndexFile.PathIn(directory);

    public static WalEventStore Open(string directory, NodeId owner, ZamMetrics metrics, WalOptions? options = null) =>
        WalEventStore.Open(directory, owner, options ?? new WalOptions(), metrics, _ => { });

    public static StoredEvent Event(NodeId origin, ulong sequence, Hlc hlc, int payloadLength = 8) =>
        new(new EventEnvelope(origin, sequence, hlc, 1, Encoding.UTF8.GetBytes($"{origin.Value}-{sequence}".PadRight(payloadLength, '.'))));

    /// <summary>Appends and waits until durable.</summary>
    public static async Task AppendAsync(WalEventStore store, IReadOnlyList<StoredEvent> events)
    {
        Assert.True(store.TryAppend(events, out var ticket, out var hole), $"hole {hole}");
        await store.WaitDurableAsync(ticket);
    }

    /// <summary>
    /// What a crash would leave right now: every file of the directory copied while its owner still has it open (only
    /// durable writes are in the log; nothing a close writes is). The directory lock is not copied.
    /// </summary>
    public static void CopyCrashImage(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            if (Path.GetFileName(file) == "zamsync.lock") continue;
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
        }
    }

    /// <summary>Everything the index answers, as text, so two stores can be compared line by line.</summary>
    public static List<string> Describe(WalEventStore store)
    {
        var lines = new List<string>
        {
            $"known {store.Known}",
            $"length {store.Length}",
            $"clock {store.ClockAtOpen}",
            $"base {store.Base?.Floors} {store.Base?.Horizon} {store.Base?.Snapshot.Length}",
        };
        foreach (var (origin, stamp) in store.HighStamps().OrderBy(p => p.Key.Value))
            lines.Add($"origin {origin} floor {store.Floor(origin)} high {stamp} last {store.HighestSequence(origin)}");
        var view = store.CaptureFold();
        lines.Add($"fold {view.Count} batch {view.Batch}");
        long i = 0;
        foreach (var key in store.ReadFoldKeys(view)) lines.Add($"fold[{i++}] {key}");
        foreach (var e in store.ReadInFoldOrder(view)) lines.Add($"event {e.Envelope.Key} {Convert.ToHexString(e.Envelope.Payload.Span)}");
        foreach (var (origin, _) in store.Known)
            foreach (var e in store.Read(origin, store.Floor(origin) + 1)) lines.Add($"read {e.Envelope.Key}");
        return lines;
    }

    /// <summary>The same log scanned from scratch: a copy of the directory without its index.</summary>
    public static async Task<List<string>> DescribeScannedAsync(string directory, string scratch, NodeId owner, WalOptions? options = null)
    {
        CopyCrashImage(directory, scratch);
        File.Delete(IndexPath(scratch));
        using var metrics = new ZamMetrics();
        var store = Open(scratch, owner, metrics, options);
        await using (store)
        {
            Assert.False(store.Recovery.IndexUsed);
            return Describe(store);
        }
    }
}

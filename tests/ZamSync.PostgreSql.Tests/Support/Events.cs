using System.Buffers.Binary;

namespace ZamSync.PostgreSql.Tests;

/// <summary>Events for store tests: each payload names its origin and sequence, so a read can be checked byte for byte.</summary>
internal static class Events
{
    public static StoredEvent Replicated(NodeId origin, ulong seq, long physical = 0, bool quarantined = false) =>
        new(new EventEnvelope(origin, seq, new Hlc(physical == 0 ? 1_000 + (long)seq : physical, 0), 3, Payload(origin, seq)), quarantined);

    public static StoredEvent[] Range(NodeId origin, ulong from, ulong to) =>
        Enumerable.Range(0, checked((int)(to - from + 1))).Select(i => Replicated(origin, from + (ulong)i)).ToArray();

    public static byte[] Payload(NodeId origin, ulong seq)
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, origin.Value);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), seq);
        return bytes;
    }

    public static async Task<List<StoredEvent>> ToListAsync(this IAsyncEnumerable<StoredEvent> events)
    {
        var list = new List<StoredEvent>();
        await foreach (var e in events) list.Add(e);
        return list;
    }
}

/// <summary>The store's transaction core, called directly (the engine goes through its queue).</summary>
internal static class StoreCalls
{
    /// <summary>One append transaction; how many events were new.</summary>
    public static async Task<int> AppendReplicatedAsync(this PostgresEventStore store, IReadOnlyList<StoredEvent> events) =>
        (await store.CommitAppendAsync(events, CancellationToken.None)).Fresh.Count;

    public static Task<long> CompactAsync(this PostgresEventStore store, VersionVector floors) =>
        store.CompactFloorsAsync(floors, compaction: null, CancellationToken.None);

    /// <summary>Through the port, as the engine appends: queued, then awaited.</summary>
    public static async Task AppendThroughPortAsync(this PostgresEventStore store, IReadOnlyList<StoredEvent> events)
    {
        Assert.True(store.TryAppend(events, out var ticket, out var hole), $"refused: {hole}");
        await store.WaitDurableAsync(ticket);
    }
}

internal static class AsyncCounts
{
    public static async Task<int> CountAsync(this IAsyncEnumerable<StoredEvent> events)
    {
        int n = 0;
        await foreach (var _ in events) n++;
        return n;
    }
}

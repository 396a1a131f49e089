using System.Text;
using ZamSync.Sync;
using ZamSync.Testing;

namespace ZamSync.Tests.Support;

public static class Nodes
{
    public static Task<ZamEngine<LedgerState>> OpenAsync(string directory, ulong id, ZamEngineOptions? options = null) =>
        ZamEngine<LedgerState>.OpenAsync(directory, new NodeId(id), new LedgerState(), options);

    public static async Task SubmitManyAsync(ZamEngine engine, int count, string prefix = "evt", uint type = 1)
    {
        for (int i = 0; i < count; i++)
            await engine.SubmitAsync(type, Encoding.UTF8.GetBytes($"{prefix}-{i}"));
    }

    /// <summary>Runs one session between two engines over an in-memory pair.</summary>
    public static async Task<(SyncStats Initiator, SyncStats Responder)> SyncAsync(
        ZamEngine initiator, ZamEngine responder, long? maxBytes = null, AccessPolicy policy = AccessPolicy.All, SyncOptions? options = null)
    {
        var (a, b) = InMemoryTransport.CreatePair();
        await using (a)
        await using (b)
        {
            var client = initiator.CreateSession(a);
            if (maxBytes is { } limit) client.WithMaxBytes(limit);
            if (options is not null) client.WithOptions(options);
            var server = responder.CreateSession(b).WithAccessPolicy(policy);
            if (options is not null) server.WithOptions(options);
            var serving = server.ServeOneAsync(initiator.NodeId);
            var stats = await client.SyncAsync(responder.NodeId);
            return (stats, await serving);
        }
    }
}

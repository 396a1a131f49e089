using System.Text;
using ZamSync.Sync;
using ZamSync.Testing;

namespace ZamSync.Tests.Support;

/// <summary>What each side of one session did: its stats, or the exception it ended with.</summary>
public sealed record SessionOutcome(SyncStats? Initiator, Exception? InitiatorError, SyncStats? Responder, Exception? ResponderError)
{
    public bool Succeeded => InitiatorError is null && ResponderError is null;

    /// <summary>Both stats, or an exception naming what each side threw.</summary>
    public (SyncStats Initiator, SyncStats Responder) Require() =>
        Succeeded ? (Initiator!, Responder!)
        : throw new InvalidOperationException($"The session failed. Initiator: {InitiatorError?.GetType().Name} {InitiatorError?.Message}; responder: {ResponderError?.GetType().Name} {ResponderError?.Message}");
}

/// <summary>
/// Runs sessions the way a careful host would: each side disposes its transport as soon as it is done or
/// has failed (so the peer sees the connection close instead of waiting for a deadline), and both sides
/// are always awaited, so neither outcome is lost.
/// </summary>
public static class Sessions
{
    /// <summary>Longest a test waits for one session before failing instead of hanging.</summary>
    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    public static async Task<SessionOutcome> RunAsync(
        ZamEngine initiator,
        ZamEngine responder,
        Action<SyncSession>? configureInitiator = null,
        Action<SyncSession>? configureResponder = null,
        long breakAfterBytes = long.MaxValue,
        NodeId? initiatorExpects = null,
        NodeId? responderExpects = null)
    {
        var (a, b) = InMemoryTransport.CreatePair(breakAfterBytes: breakAfterBytes);
        var client = initiator.CreateSession(a);
        configureInitiator?.Invoke(client);
        var server = responder.CreateSession(b);
        configureResponder?.Invoke(server);
        var serving = RunSideAsync(b, () => server.ServeOneAsync(responderExpects ?? initiator.NodeId));
        var syncing = RunSideAsync(a, () => client.SyncAsync(initiatorExpects ?? responder.NodeId));
        var both = Task.WhenAll(serving, syncing);
        await both.WaitAsync(Guard);
        var (clientStats, clientError) = await syncing;
        var (serverStats, serverError) = await serving;
        return new SessionOutcome(clientStats, clientError, serverStats, serverError);
    }

    /// <summary>Runs one side of a session, keeps its stats or its exception, and closes its transport when it is done.</summary>
    public static async Task<(SyncStats? Stats, Exception? Error)> RunSideAsync(ISyncTransport transport, Func<Task<SyncStats>> run)
    {
        try
        {
            var stats = await run();
            return (stats, null);
        }
        catch (Exception ex)
        {
            return (null, ex);
        }
        finally
        {
            await transport.DisposeAsync();
        }
    }

    /// <summary>Submits <paramref name="count"/> events at once so they share fsyncs (sequence order = payload order).</summary>
    public static async Task<EventEnvelope[]> SubmitConcurrentlyAsync(ZamEngine engine, int count, string prefix = "evt", uint type = 1)
    {
        var pending = new List<Task<EventEnvelope>>(count);
        for (int i = 0; i < count; i++)
            pending.Add(engine.SubmitAsync(type, Encoding.UTF8.GetBytes($"{prefix}-{i}")).AsTask());
        return await Task.WhenAll(pending);
    }

    /// <summary>The state a node holding exactly <paramref name="events"/> must reach: their fold in (hlc, origin, seq) order.</summary>
    public static string ReferenceHash(IEnumerable<EventEnvelope> events)
    {
        var state = new LedgerState();
        foreach (var e in events.OrderBy(e => e.Hlc).ThenBy(e => e.Origin).ThenBy(e => e.Sequence)) state.Apply(e);
        return state.Hash();
    }

    /// <summary>Every event the engine holds as (origin, seq), in fold order.</summary>
    public static List<(NodeId Origin, ulong Sequence)> Identities(ZamEngine engine) =>
        engine.ReadAllEvents().Select(e => (e.Origin, e.Sequence)).ToList();
}

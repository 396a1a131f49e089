using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ZamSync.AspNetCore.Authentication;
using ZamSync.AspNetCore.Cursors;
using ZamSync.Hosting.Control.Operations;
using ZamSync.Hosting.Replication;
using ZamSync.Net.Hub;
using ZamSync.Sync;

namespace ZamSync.AspNetCore.Status;

/// <summary>
/// <c>GET /api/status</c>, <c>/api/peers</c> and <c>/api/quarantine</c>: what the node holds, each peer's sync history
/// and lag, and the quarantined events. A node's credential under OwnOnly sees its own origin and its own peer entry only.
/// </summary>
internal static class StatusEndpoints
{
    public static IResult Status(HttpContext http, ZamSyncApiOptions options, Events.EventStreamSlots streams)
    {
        if (!ZamSyncApiContext.TryGetEngine(http, out var engine, out var problem)) return problem;
        var caller = ZamSyncApiContext.Credential(http);
        var known = caller.Visible(engine.Known, options.AccessPolicy);
        var status = new JsonObject
        {
            ["node"] = engine.NodeId.ToString(),
            ["relay"] = engine.IsRelay,
            ["events"] = known.Sum(o => (long)o.Value),
            ["known"] = StatusOperation.Vector(known),
            ["cursor"] = EventCursor.Encode(known),
            ["compacted"] = StatusOperation.Vector(caller.Visible(engine.Compacted, options.AccessPolicy)),
            ["quarantined"] = engine.Quarantined.Count(q => caller.CanRead(q.Origin, options.AccessPolicy)),
            ["contract"] = engine.ContractFingerprint,
            ["recoveringOwnEvents"] = engine.IsRecoveringOwnEvents,
            ["streams"] = streams.Active,
            ["caller"] = new JsonObject
            {
                ["role"] = caller.Role.ToString().ToLowerInvariant(),
                ["node"] = caller.Node.IsEmpty ? null : caller.Node.ToString(),
                ["via"] = caller.Via,
                ["readsAll"] = caller.ReadsAll(options.AccessPolicy),
            },
        };
        if (caller.ReadsAll(options.AccessPolicy) && Optional<ZamHub>(http) is { } hub)
            status["hub"] = new JsonObject { ["activeSessions"] = hub.ActiveSessions, ["rejectedConnections"] = hub.RejectedConnections };
        if (caller.ReadsAll(options.AccessPolicy) && Optional<ZamReplicator>(http)?.Budget is { } budget)
            status["budget"] = new JsonObject
            {
                ["day"] = budget.Day.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                ["bytesToday"] = budget.BytesToday,
                ["maxBytesPerDay"] = budget.MaxBytesPerDay,
                ["bytesLeft"] = budget.BytesLeft,
                ["spent"] = budget.Spent,
            };
        return Results.Text(status.ToJsonString(), "application/json");
    }

    /// <summary>
    /// Every peer this node has synced with or serves: what it holds and lacks (events this node has that it does not,
    /// counted over the origins it may receive), and, where a hub or replicator runs here, its sessions, failures and
    /// bytes today and in total.
    /// </summary>
    public static IResult Peers(HttpContext http, ZamSyncApiOptions options, HubTraffic traffic)
    {
        if (!ZamSyncApiContext.TryGetEngine(http, out var engine, out var problem)) return problem;
        var caller = ZamSyncApiContext.Credential(http);
        var hub = Optional<ZamHub>(http);
        var replicated = Optional<ZamReplicator>(http)?.Peers.ToDictionary(p => p.Peer) ?? [];
        var known = engine.Known;
        var holdsByPeer = engine.Peers;
        var ids = holdsByPeer.Keys.Concat(hub?.Peers.Keys ?? []).Concat(replicated.Keys).Distinct()
            .Where(p => caller.ReadsAll(options.AccessPolicy) || p == caller.Node).OrderBy(p => p.Value);
        var peers = new JsonArray();
        foreach (var id in ids)
        {
            var holds = holdsByPeer.GetValueOrDefault(id) ?? new VersionVector();
            // Under OwnOnly a clinic receives only its own events, so that is all it can lack.
            var owed = hub is not null && options.AccessPolicy == AccessPolicy.OwnOnly ? new VersionVector(known.Where(o => o.Key == id)) : known;
            var peer = new JsonObject
            {
                ["node"] = id.ToString(),
                ["holds"] = StatusOperation.Vector(caller.Visible(holds, options.AccessPolicy)),
                ["lacks"] = owed.Where(o => caller.CanRead(o.Key, options.AccessPolicy)).Sum(o => o.Value > holds[o.Key] ? (long)(o.Value - holds[o.Key]) : 0),
            };
            if (hub?.Peers.GetValueOrDefault(id) is { } served)
            {
                var (sentToday, receivedToday) = traffic.Today(id);
                peer["sessions"] = served.Sessions;
                peer["failures"] = served.Failures;
                peer["lastSuccess"] = Time(served.LastSuccess);
                peer["lastFailure"] = Time(served.LastFailure);
                peer["lastError"] = served.LastError;
                peer["bytesSentToday"] = sentToday;
                peer["bytesReceivedToday"] = receivedToday;
                peer["bytesSent"] = served.BytesSent;
                peer["bytesReceived"] = served.BytesReceived;
                peer["eventsSent"] = served.EventsSent;
                peer["eventsReceived"] = served.EventsReceived;
            }
            if (replicated.GetValueOrDefault(id) is { } r)
            {
                peer["replicator"] = new JsonObject
                {
                    ["address"] = r.Address,
                    ["syncing"] = r.Syncing,
                    ["lastAttempt"] = Time(r.LastAttempt),
                    ["lastSuccess"] = Time(r.LastSuccess),
                    ["lastError"] = r.LastError,
                    ["nextAttempt"] = Time(r.NextAttempt),
                    ["consecutiveFailures"] = r.ConsecutiveFailures,
                    ["lastOutcome"] = r.LastOutcome?.ToString().ToLowerInvariant(),
                    ["bytesToday"] = r.BytesToday,
                };
            }
            peers.Add(peer);
        }
        return Results.Text(new JsonObject { ["peers"] = peers }.ToJsonString(), "application/json");
    }

    /// <summary>The quarantined events this caller may see, newest last, at most <see cref="ZamSyncApiOptions.MaxPageSize"/>.</summary>
    public static IResult Quarantine(HttpContext http, ZamSyncApiOptions options)
    {
        if (!ZamSyncApiContext.TryGetEngine(http, out var engine, out var problem)) return problem;
        var caller = ZamSyncApiContext.Credential(http);
        var visible = engine.Quarantined.Where(q => caller.CanRead(q.Origin, options.AccessPolicy)).ToList();
        var items = new JsonArray();
        foreach (var q in visible.Skip(Math.Max(0, visible.Count - options.MaxPageSize)))
            items.Add(new JsonObject
            {
                ["origin"] = q.Origin.ToString(),
                ["sequence"] = q.Sequence,
                ["type"] = q.EventType,
                ["receivedFrom"] = q.ReceivedFrom.ToString(),
                ["reason"] = q.Reason,
            });
        return Results.Text(new JsonObject { ["total"] = visible.Count, ["events"] = items }.ToJsonString(), "application/json");
    }

    /// <summary>ISO 8601 in UTC, as the control endpoint's status prints times.</summary>
    private static string? Time(DateTimeOffset? time) => time?.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture);

    private static T? Optional<T>(HttpContext http) where T : class
    {
        try
        {
            return http.RequestServices.GetService<T>();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}

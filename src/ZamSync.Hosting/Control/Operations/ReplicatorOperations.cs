using System.Text.Json;
using System.Text.Json.Nodes;
using ZamSync.Hosting.Replication;
using ZamSync.Sync;

namespace ZamSync.Hosting.Control.Operations;

/// <summary>
/// <c>sync</c>: syncs every peer now (or one, <c>{"peer": "1000"}</c>) through the running replicator and answers with
/// each round's outcome once it ended. The replicator's own rules hold: one round per peer at a time, the minimum
/// interval (an early request answers <c>throttled</c>), the budgets.
/// </summary>
public sealed class SyncOperation(ZamReplicator replicator) : IControlOperation
{
    public string Name => "sync";

    public async ValueTask<JsonNode?> InvokeAsync(JsonElement arguments, CancellationToken cancellationToken)
    {
        IReadOnlyList<PeerSyncResult> results;
        if (arguments.TryGetProperty("peer", out var peer))
        {
            if (!NodeId.TryParse(peer.ToString(), null, out var id) || id.IsEmpty)
                throw new ControlException($"sync: \"peer\" must be a node id, got '{peer}'.");
            try
            {
                results = [await replicator.SyncNowAsync(id, cancellationToken).ConfigureAwait(false)];
            }
            catch (ArgumentException ex)
            {
                throw new ControlException(ex.Message);
            }
        }
        else
        {
            results = (await replicator.SyncNowAsync(cancellationToken).ConfigureAwait(false)).Peers;
        }
        return new JsonArray([.. results.Select(Describe)]);
    }

    private static JsonNode Describe(PeerSyncResult r) => new JsonObject
    {
        ["peer"] = r.Peer.ToString(),
        ["outcome"] = ReplicatorStatusSection.Name(r.Outcome),
        ["attempts"] = r.Attempts,
        ["error"] = r.Error,
        ["nextAttempt"] = HubStatusSection.Time(r.NextAttempt),
        ["session"] = r.Stats is { } s ? ReplicatorStatusSection.Describe(s) : null,
    };
}

/// <summary>The <c>replicator</c> section of status: each peer's last attempt, success, error and next attempt, and the budgets.</summary>
public sealed class ReplicatorStatusSection(ZamReplicator replicator) : IControlStatusSection
{
    string IControlStatusSection.Name => "replicator";

    public JsonNode? Describe()
    {
        var peers = new JsonArray();
        foreach (var p in replicator.Peers)
        {
            peers.Add((JsonNode)new JsonObject
            {
                ["peer"] = p.Peer.ToString(),
                ["address"] = p.Address,
                ["syncing"] = p.Syncing,
                ["lastAttempt"] = HubStatusSection.Time(p.LastAttempt),
                ["lastSuccess"] = HubStatusSection.Time(p.LastSuccess),
                ["lastOutcome"] = p.LastOutcome is { } o ? Name(o) : null,
                ["lastError"] = p.LastError,
                ["nextAttempt"] = HubStatusSection.Time(p.NextAttempt),
                ["consecutiveFailures"] = p.ConsecutiveFailures,
                ["bytesToday"] = p.BytesToday,
                ["lastSession"] = p.LastStats is { } s ? Describe(s) : null,
            });
        }
        var budget = replicator.Budget;
        return new JsonObject
        {
            ["peers"] = peers,
            ["budget"] = budget is null ? null : new JsonObject
            {
                ["day"] = budget.Day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                ["bytesToday"] = budget.BytesToday,
                ["maxBytesPerDay"] = budget.MaxBytesPerDay,
                ["bytesLeft"] = budget.BytesLeft,
                ["spent"] = budget.Spent,
                ["nextDay"] = HubStatusSection.Time(budget.NextDay),
            },
        };
    }

    /// <summary>An outcome as scripts read it: <c>synced</c>, <c>retries_exhausted</c>, <c>failed</c>, <c>daily_budget_spent</c>, <c>throttled</c>.</summary>
    internal static string Name(ReplicationOutcome outcome) => outcome switch
    {
        ReplicationOutcome.Synced => "synced",
        ReplicationOutcome.RetriesExhausted => "retries_exhausted",
        ReplicationOutcome.Failed => "failed",
        ReplicationOutcome.DailyBudgetSpent => "daily_budget_spent",
        ReplicationOutcome.Throttled => "throttled",
        _ => outcome.ToString().ToLowerInvariant(),
    };

    internal static JsonObject Describe(SyncStats s) => new()
    {
        ["eventsSent"] = s.EventsSent,
        ["eventsReceived"] = s.EventsReceived,
        ["bytesSent"] = s.BytesSent,
        ["bytesReceived"] = s.BytesReceived,
        ["budgetExhausted"] = s.BudgetExhausted,
        ["seconds"] = Math.Round(s.Duration.TotalSeconds, 3),
    };
}

using System.Text.Json;
using System.Text.Json.Nodes;

namespace ZamSync.Hosting.Control.Operations;

/// <summary>
/// <c>status</c>: what the node holds, what each peer is known to hold and lacks, quarantined events, and the sections
/// other components contribute (the replicator's attempts and budgets, the hub's sessions). The shape is documented in
/// docs/hosting.md and is what <c>status --json</c> prints.
/// </summary>
public sealed class StatusOperation(ZamEngine engine, IEnumerable<IControlStatusSection> sections) : IControlOperation
{
    public string Name => "status";

    public ValueTask<JsonNode?> InvokeAsync(JsonElement arguments, CancellationToken cancellationToken) =>
        ValueTask.FromResult<JsonNode?>(Describe(engine, sections));

    /// <summary>The status object; also usable by a tool that opened a stopped node's directory itself.</summary>
    public static JsonObject Describe(ZamEngine engine, IEnumerable<IControlStatusSection>? sections = null)
    {
        var known = engine.Known;
        var peers = new JsonArray();
        foreach (var (peer, holds) in engine.Peers.OrderBy(p => p.Key))
        {
            peers.Add((JsonNode)new JsonObject
            {
                ["node"] = peer.ToString(),
                ["holds"] = Vector(holds),
                ["lacks"] = Lacks(known, holds),
            });
        }
        var status = new JsonObject
        {
            ["node"] = engine.NodeId.ToString(),
            ["dataDirectory"] = engine.DataDirectory,
            ["events"] = known.Sum(o => (long)o.Value),
            ["known"] = Vector(known),
            ["peers"] = peers,
            ["quarantined"] = engine.Quarantined.Count,
            ["contract"] = engine.ContractFingerprint,
            ["tornTailBytes"] = engine.Recovery.TailWasTorn ? engine.Recovery.TruncatedBytes : 0,
        };
        foreach (var section in sections ?? [])
            status[section.Name] = section.Describe();
        return status;
    }

    /// <summary>A version vector as <c>{"origin": highest sequence}</c>.</summary>
    public static JsonObject Vector(VersionVector vector)
    {
        var json = new JsonObject();
        foreach (var (origin, sequence) in vector.OrderBy(o => o.Key)) json[origin.ToString()] = sequence;
        return json;
    }

    private static long Lacks(VersionVector known, VersionVector holds) =>
        known.Sum(o => o.Value > holds[o.Key] ? (long)(o.Value - holds[o.Key]) : 0);
}

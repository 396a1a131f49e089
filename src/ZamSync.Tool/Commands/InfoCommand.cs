using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using ZamSync.Inspection;
using ZamSync.Tool.Output;

namespace ZamSync.Tool.Commands;

/// <summary>
/// <c>info</c>: who the node is, what it holds per origin, its log's size and time span, what each peer holds and how
/// far behind it is, quarantined events and the contract the state was folded under. Reads headers only: an encrypted
/// log needs no key.
/// </summary>
internal static class InfoCommand
{
    public static Command Create(ToolConsole console)
    {
        var dir = Options.Dir();
        var key = Options.Key();
        var json = Options.Json();
        var command = new Command("info", "Show a stopped node's identity, events per origin, vector, peers and contract") { dir, key, json };
        command.SetAction((result, cancellationToken) =>
        {
            bool asJson = result.GetValue(json);
            using var node = DirectoryAccess.Open(result.GetValue(dir)!, result.GetValue(key));
            var scan = ProgressBar.Run(console, asJson, "reading the log", node.Log.Length, progress => node.Log.Scan(progress, cancellationToken));
            var peers = node.ReadPeers();
            var snapshot = node.ReadSnapshot(out var snapshotProblem);
            var info = Describe(node, scan, peers, snapshot);
            if (asJson) console.Out.WriteLine(info.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            else Render(console.Out, info);
            var problems = scan.Problems.Concat(peers.Problems).Concat(snapshotProblem is null ? [] : [snapshotProblem]).ToList();
            foreach (var problem in problems) ToolApp.WriteError(console.Error, problem.ToString());
            return Task.FromResult(problems.Count == 0 ? ToolApp.Success : ToolApp.Failure);
        });
        return command;
    }

    internal static JsonObject Describe(DataDirectoryInspector node, WalScanReport scan, PeerTableReading peers, SnapshotReading? snapshot)
    {
        var events = scan.Records.Where(r => r.Type == WalRecordType.Event).ToList();
        var floors = scan.Base?.Floors ?? new VersionVector();
        var origins = new JsonArray();
        foreach (var (origin, last) in scan.Known.OrderBy(p => p.Key))
        {
            origins.Add(new JsonObject
            {
                ["origin"] = origin.ToString(),
                ["events"] = events.LongCount(e => e.Origin == origin),
                ["compacted"] = floors[origin],
                ["last"] = last,
            });
        }
        var peerList = new JsonArray();
        foreach (var (peer, record) in peers.Peers.OrderBy(p => p.Key))
        {
            ulong behind = 0;
            foreach (var (origin, last) in scan.Known)
                if (last > record.Holds[origin]) behind += last - record.Holds[origin];
            peerList.Add(new JsonObject
            {
                ["node"] = peer.ToString(),
                ["holds"] = Vector(record.Holds),
                ["behind"] = behind,
                ["contractFingerprint"] = record.ContractFingerprint,
            });
        }
        Hlc? oldest = events.Count == 0 ? null : events.Min(e => e.Hlc), newest = events.Count == 0 ? null : events.Max(e => e.Hlc);
        return new JsonObject
        {
            ["directory"] = node.DataDirectory,
            ["node"] = node.Log.NodeId.ToString(),
            ["cipher"] = node.Log.Cipher.ToString(),
            ["formatVersion"] = node.Log.FormatVersion,
            ["logBytes"] = scan.Length,
            ["events"] = events.Count,
            ["compacted"] = scan.Base is not null,
            ["oldest"] = oldest is { } o ? Formats.Time(o) : null,
            ["newest"] = newest is { } n ? Formats.Time(n) : null,
            ["vector"] = Vector(scan.Known),
            ["origins"] = origins,
            ["peers"] = peerList,
            ["quarantined"] = events.LongCount(e => e.Quarantined),
            // The contract the state was last folded under: the node's own when it last closed (a relay folds none).
            ["contractFingerprint"] = snapshot?.ContractFingerprint,
            ["problems"] = scan.Problems.Count + peers.Problems.Count,
        };
    }

    private static JsonObject Vector(VersionVector vector)
    {
        var json = new JsonObject();
        foreach (var (origin, sequence) in vector.OrderBy(p => p.Key)) json[origin.ToString()] = sequence;
        return json;
    }

    private static void Render(TextWriter output, JsonObject info)
    {
        output.WriteLine($"node {(string?)info["node"]} in {(string?)info["directory"]}");
        output.WriteLine($"log: {Formats.N((long)info["logBytes"]!)} bytes, {Formats.N((long)(int)info["events"]!)} events, cipher {(string?)info["cipher"]}{((bool)info["compacted"]! ? ", compacted" : "")}");
        output.WriteLine($"oldest event: {(string?)info["oldest"] ?? "-"}   newest event: {(string?)info["newest"] ?? "-"}");
        output.WriteLine($"contract fingerprint: {(string?)info["contractFingerprint"] ?? "(not recorded: no state snapshot)"}");
        output.WriteLine($"quarantined events: {Formats.N((long)info["quarantined"]!)}");
        output.WriteLine();
        var origins = info["origins"]!.AsArray();
        var rows = origins.Select(o => new[] { (string)o!["origin"]!, Formats.N((long)o["events"]!), Formats.N((ulong)o["compacted"]!), Formats.N((ulong)o["last"]!) });
        Table.Write(output, ["origin", "events", "compacted", "last seq"], rows, "(no events)");
        output.WriteLine();
        var peers = info["peers"]!.AsArray();
        var peerRows = peers.Select(p => new[]
        {
            (string)p!["node"]!,
            string.Join(' ', p["holds"]!.AsObject().Select(h => $"{h.Key}:{(ulong)h.Value!}")),
            Formats.N((ulong)p["behind"]!),
            (string?)p["contractFingerprint"] ?? "-",
        });
        Table.Write(output, ["peer", "holds", "behind", "contract"], peerRows, "(no peers)");
    }
}

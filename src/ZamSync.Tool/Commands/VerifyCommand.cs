using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using ZamSync.Inspection;
using ZamSync.Tool.Output;

namespace ZamSync.Tool.Commands;

/// <summary>
/// <c>verify</c>: checks everything in a stopped node's directory without changing anything (not a byte, not a
/// timestamp): the log's header, every record's checksums and (with the key) authentication tag, that each origin's
/// sequences are contiguous, the base record, the state snapshot against the log, the peer table, the clock floor and
/// the quarantine reasons. Prints each problem with its file and offset; exit 0 only when all holds.
/// </summary>
internal static class VerifyCommand
{
    /// <summary>Files a future build may add beside the log that this build cannot check: named, never passed silently.</summary>
    private static readonly string[] Unchecked = ["events.idx"];

    public static Command Create(ToolConsole console)
    {
        var dir = Options.Dir();
        var key = Options.Key();
        var json = Options.Json();
        var contract = new Option<string?>("--contract")
        {
            Description = "The node's contract assembly (the .dll with its [ZamState] class, which must take snapshots): also fold the log twice into fresh states and compare them with each other and with state.snapshot, the run-time check of deterministic Apply (ZS6xxx)",
        };
        var command = new Command("verify", "Check a stopped node's directory end to end without changing it; exit 0 only when everything holds") { dir, key, json, contract };
        command.SetAction((result, cancellationToken) =>
        {
            bool asJson = result.GetValue(json);
            var problems = new List<InspectionProblem>();
            var notes = new List<string>();
            using var node = DirectoryAccess.Open(result.GetValue(dir)!, result.GetValue(key));
            var log = node.Log;
            if (!log.CanReadPayloads)
                problems.Add(new InspectionProblem(log.Path, -1, $"the log is encrypted ({log.Cipher}) and no key was given, so its authentication tags were not checked: pass --key FILE"));

            // One pass for the checksums, one for the tags (only an encrypted log has them): both read the whole log.
            var scan = ProgressBar.Run(console, asJson, "checking records", log.Length, progress => log.Scan(progress, cancellationToken));
            problems.AddRange(scan.Problems);
            var events = scan.Records.Where(r => r.Type == WalRecordType.Event).ToList();
            long authenticated = 0;
            if (log.Cipher != Wal.WalCipherKind.None && log.CanReadPayloads)
            {
                authenticated = ProgressBar.Run(console, asJson, "checking authentication tags", events.Count, progress =>
                {
                    long done = 0;
                    foreach (var e in events)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        if (log.ReadPayload(e, out string? problem) is null)
                            problems.Add(new InspectionProblem(log.Path, e.Offset, $"event {e.Origin}#{e.Sequence}: {problem}"));
                        if (++done % 4096 == 0) progress?.Report(done);
                    }
                    return done;
                });
            }
            if (scan.Problems.Count > 0 && log.PreviewRecovery() is { } verdict) notes.Add(verdict);

            var snapshot = node.ReadSnapshot(out var snapshotProblem);
            if (snapshotProblem is not null) problems.Add(snapshotProblem);
            if (snapshot is not null && snapshot.CheckAgainst(log, scan) is { } mismatch) problems.Add(new InspectionProblem(snapshot.Path, -1, mismatch));
            if (snapshot is null && snapshotProblem is null)
                notes.Add("no state.snapshot: the next open folds the whole log (normal for a relay, or a node that never closed cleanly)");

            JsonObject? fold = null;
            if (result.GetValue(contract) is { } contractPath)
                fold = CheckFold(console, asJson, contractPath, log, scan, snapshot, problems, notes, cancellationToken);

            var peers = node.ReadPeers();
            problems.AddRange(peers.Problems);
            if (!peers.Exists) notes.Add("no peer table: this node has not synced yet (or peers.log was deleted)");
            if (node.CheckClockFloor() is { } floor) problems.Add(floor);
            problems.AddRange(node.CheckQuarantineReasons());
            foreach (var name in Unchecked)
                if (File.Exists(Path.Combine(node.DataDirectory, name)))
                    notes.Add($"{name} is present but this build of zamsync does not check it");
            if (File.Exists(Path.Combine(node.DataDirectory, ZamEngine.RestoredMarkerFile)))
                notes.Add($"{ZamEngine.RestoredMarkerFile}: restored from a backup; the node refuses local submits until its first sync has brought back its own newer events (then the file goes)");
            if (File.Exists(Path.Combine(node.DataDirectory, Wal.LogRekey.MarkerFile)) || File.Exists(Path.Combine(node.DataDirectory, Wal.LogRekey.NewLogFile)))
                notes.Add($"a rekey was interrupted ({Wal.LogRekey.MarkerFile} or {Wal.LogRekey.NewLogFile} is present): the next open of the node, or zamsync rekey, finishes it or rolls it back; this verify read events.wal as it is");
            foreach (var leftover in new[] { "events.wal.compact", "events.wal.tmp", "peers.log.tmp", "state.snapshot.tmp" })
                if (File.Exists(Path.Combine(node.DataDirectory, leftover)))
                    notes.Add($"{leftover} is left over from an interrupted write or compaction (safe to delete with the node stopped)");

            var report = new JsonObject
            {
                ["directory"] = node.DataDirectory,
                ["node"] = log.NodeId.ToString(),
                ["ok"] = problems.Count == 0,
                ["records"] = scan.Records.Count,
                ["events"] = events.Count,
                ["authenticated"] = authenticated,
                ["peers"] = peers.Peers.Count,
                ["fold"] = fold,
                ["problems"] = new JsonArray(problems.Select(p => (JsonNode)new JsonObject
                {
                    ["file"] = p.File,
                    ["offset"] = p.Offset >= 0 ? p.Offset : null,
                    ["reason"] = p.Reason,
                }).ToArray()),
                ["notes"] = new JsonArray(notes.Select(n => (JsonNode)JsonValue.Create(n)).ToArray()),
            };
            if (asJson)
            {
                console.Out.WriteLine(report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                foreach (var problem in problems) console.Out.WriteLine("problem: " + ToolApp.OneLine(problem.ToString()));
                foreach (var note in notes) console.Out.WriteLine("note: " + ToolApp.OneLine(note));
                console.Out.WriteLine(problems.Count == 0
                    ? $"ok: {Formats.N(scan.Records.Count)} records ({Formats.N(events.Count)} events{(authenticated > 0 ? $", {Formats.N(authenticated)} authenticated" : "")}), {Formats.N(peers.Peers.Count)} peers; nothing was changed"
                    : $"{Formats.N(problems.Count)} problem(s) found; nothing was changed");
            }
            if (problems.Count > 0) ToolApp.WriteError(console.Error, $"'{node.DataDirectory}' fails verification: {Formats.N(problems.Count)} problem(s), the first: {ToolApp.OneLine(problems[0].ToString())}");
            return Task.FromResult(problems.Count == 0 ? ToolApp.Success : ToolApp.Failure);
        });
        return command;
    }

    /// <summary>
    /// The fold check (--contract): two fresh folds of the log, read-only, compared with each other and with
    /// state.snapshot when it covers the whole log. Skipped, with a note, when the records are damaged (the folds
    /// would not be of the node's events) or the payloads are sealed and no key was given.
    /// </summary>
    private static JsonObject? CheckFold(ToolConsole console, bool asJson, string contractPath, WalInspector log, WalScanReport scan,
        SnapshotReading? snapshot, List<InspectionProblem> problems, List<string> notes, CancellationToken cancellationToken)
    {
        var stateType = StoppedEngine.FindState(contractPath);
        if (!typeof(ISnapshotableState).IsAssignableFrom(stateType) || stateType.GetConstructor(Type.EmptyTypes) is null)
            throw new ToolFailure($"the state '{stateType.FullName}' of '{Path.GetFullPath(contractPath)}' does not take snapshots ([ZamState(Snapshots = true)]) or has no parameterless constructor: the fold check compares snapshot bytes of fresh states.");
        if (scan.Problems.Count > 0 || !log.CanReadPayloads)
        {
            notes.Add("the fold check was skipped: " + (log.CanReadPayloads ? "the log has damaged records" : "the payloads are sealed and no key was given"));
            return null;
        }
        byte[]? covering = snapshot is { State: { } state } && snapshot.LogLength == log.Length && snapshot.CheckAgainst(log, scan) is null ? state : null;
        FoldCheck check;
        try
        {
            check = ProgressBar.Run(console, asJson, "folding the log twice", 2L * scan.Records.Count(r => r.Type == WalRecordType.Event && !r.Quarantined),
                progress => FoldCheck.Run(log, scan, () => (ISnapshotableState)Activator.CreateInstance(stateType)!, covering, progress, cancellationToken));
        }
        catch (Exception ex) when (ex is InvalidDataException or MemoryPack.MemoryPackSerializationException or System.Reflection.TargetInvocationException)
        {
            problems.Add(new InspectionProblem(log.Path, -1, $"folding the log with '{stateType.FullName}' failed: {(ex.InnerException ?? ex).Message}"));
            return null;
        }
        if (check.FirstDigest != check.SecondDigest)
            problems.Add(new InspectionProblem(log.Path, -1, $"two folds of the same {check.Events} events gave different states ({check.FirstDigest} and {check.SecondDigest}): Apply depends on something besides the state and the event (see the ZS6xxx rules)"));
        else if (check.SnapshotDigest is { } saved && saved != check.FirstDigest)
            // Not counted as a problem: a state resumed from an older snapshot holds its dictionaries in another order
            // after removals than a fresh fold does, so equal states can write different bytes.
            notes.Add($"fold check: {check.Events} events folded twice gave the same state ({check.FirstDigest}); state.snapshot's bytes ({saved}) differ, which a dictionary's order after removals explains as well as a different state");
        else
            notes.Add($"fold check: {check.Events} events folded twice into fresh '{stateType.Name}' states gave the same state ({check.FirstDigest}){(check.SnapshotDigest is null ? "" : ", equal to state.snapshot")}");
        return new JsonObject
        {
            ["events"] = check.Events,
            ["first"] = check.FirstDigest,
            ["second"] = check.SecondDigest,
            ["snapshot"] = check.SnapshotDigest,
            ["holds"] = check.Holds,
        };
    }
}

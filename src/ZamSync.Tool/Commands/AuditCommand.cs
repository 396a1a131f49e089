using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using ZamSync.Inspection;
using ZamSync.Tool.Output;

namespace ZamSync.Tool.Commands;

/// <summary>
/// <c>audit</c>: every event in fold order (HLC, origin, sequence) with its origin, sequence, HLC time, type, size and
/// the SHA-256 of its payload. A record that cannot be read (a checksum or authentication failure, damage) is named on
/// stderr with its offset and reason and makes the exit code 1: it is never skipped silently.
/// </summary>
internal static class AuditCommand
{
    public static Command Create(ToolConsole console)
    {
        var dir = Options.Dir();
        var key = Options.Key();
        var format = new Option<string>("--format") { Description = "text (aligned columns), jsonl (one JSON object a line) or csv", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "jsonl", "csv");
        var origin = Options.NodeId("--origin", "Only the events of this origin");
        var since = Options.Instant("--since", "Only events stamped at or after this time (ISO 8601; UTC unless it has an offset)");
        var head = Options.Count("--head", "Only the first N events (after the filters)");
        var tail = Options.Count("--tail", "Only the last N events (after the filters)");
        var command = new Command("audit", "List every event of a stopped node's log in fold order, with the SHA-256 of each payload")
        {
            dir, key, format, origin, since, head, tail,
        };
        command.SetAction((result, cancellationToken) =>
        {
            int? first = result.GetValue(head), last = result.GetValue(tail);
            if (first is not null && last is not null) throw new UsageException("--head and --tail exclude each other: give one.");
            string style = result.GetValue(format)!;
            using var node = DirectoryAccess.Open(result.GetValue(dir)!, result.GetValue(key));
            DirectoryAccess.RequirePayloads(node);
            var scan = ProgressBar.Run(console, style != "text", "reading the log", node.Log.Length, progress => node.Log.Scan(progress, cancellationToken));
            int failures = 0;
            foreach (var problem in scan.Problems)
            {
                ToolApp.WriteError(console.Error, problem.ToString());
                failures++;
            }

            IEnumerable<WalRecordInfo> selected = scan.EventsInFoldOrder();
            if (result.GetValue(origin) is ulong only) selected = selected.Where(e => e.Origin.Value == only);
            if (result.GetValue(since) is DateTimeOffset from)
            {
                long ms = from.ToUnixTimeMilliseconds();
                selected = selected.Where(e => e.Hlc.Physical >= ms);
            }
            if (first is int n) selected = selected.Take(n);
            if (last is int m) selected = selected.TakeLast(m);

            var writer = RowWriter.For(style, console.Out);
            writer.Begin();
            foreach (var e in selected)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var payload = node.Log.ReadPayload(e, out string? problem);
                if (payload is null)
                {
                    ToolApp.WriteError(console.Error, $"{node.Log.Path} at byte {e.Offset}: event {e.Origin}#{e.Sequence} cannot be read: {problem}");
                    failures++;
                    continue;
                }
                writer.Write(e, Convert.ToHexStringLower(SHA256.HashData(payload)));
            }
            if (failures > 0) ToolApp.WriteError(console.Error, $"{failures} problem(s) in '{node.Log.Path}': the listing above is incomplete.");
            return Task.FromResult(failures == 0 ? ToolApp.Success : ToolApp.Failure);
        });
        return command;
    }

    /// <summary>One event per line in the chosen format.</summary>
    private abstract class RowWriter(TextWriter output)
    {
        protected TextWriter Output { get; } = output;

        public static RowWriter For(string style, TextWriter output) => style switch
        {
            "jsonl" => new JsonLines(output),
            "csv" => new Csv(output),
            _ => new Text(output),
        };

        public virtual void Begin() { }

        public abstract void Write(WalRecordInfo e, string sha256);

        private sealed class Text(TextWriter output) : RowWriter(output)
        {
            public override void Begin() => Output.WriteLine("time                      hlc                 origin#seq            type        bytes  sha256");

            public override void Write(WalRecordInfo e, string sha256) =>
                Output.WriteLine($"{Formats.Time(e.Hlc),-24}  {e.Hlc,-18}  {$"{e.Origin}#{e.Sequence}",-20}  {Formats.I(e.EventType),-6}  {Formats.I(e.PayloadLength),10}  {sha256}{(e.Quarantined ? "  quarantined" : "")}");
        }

        private sealed class Csv(TextWriter output) : RowWriter(output)
        {
            public override void Begin() => Output.WriteLine("time,hlc,origin,sequence,type,bytes,sha256,quarantined");

            public override void Write(WalRecordInfo e, string sha256) =>
                Output.WriteLine($"{Formats.Time(e.Hlc)},{e.Hlc},{e.Origin},{Formats.I((long)e.Sequence)},{Formats.I(e.EventType)},{Formats.I(e.PayloadLength)},{sha256},{(e.Quarantined ? "true" : "false")}");
        }

        private sealed class JsonLines(TextWriter output) : RowWriter(output)
        {
            public override void Write(WalRecordInfo e, string sha256)
            {
                var row = new System.Text.Json.Nodes.JsonObject
                {
                    ["time"] = Formats.Time(e.Hlc),
                    ["hlc"] = e.Hlc.ToString(),
                    ["origin"] = e.Origin.ToString(),
                    ["sequence"] = e.Sequence,
                    ["type"] = e.EventType,
                    ["bytes"] = e.PayloadLength,
                    ["sha256"] = sha256,
                    ["quarantined"] = e.Quarantined,
                    ["offset"] = e.Offset,
                };
                Output.WriteLine(row.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
            }
        }
    }
}

using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ZamSync.Hosting.Control;
using ZamSync.Hosting.Control.Operations;
using ZamSync.Tool.Output;

namespace ZamSync.Tool.Commands;

/// <summary>
/// <c>compact</c> and <c>expire</c>: the engine's compaction, on a running node through its control endpoint or on a
/// stopped node's directory opened with the engine (its state from <c>--contract</c>). Both keep the engine's rules
/// whatever is asked: an event some known peer lacks stays, no origin is forgotten and no sequence lowered (the floors
/// keep what was dropped), and the log is rewritten atomically, encrypted with its own key when it is encrypted.
/// </summary>
internal static class CompactCommand
{
    public static Command CreateCompact(ToolConsole console)
    {
        var command = new Command("compact", "Drop the oldest events every known peer holds, keeping a snapshot of the state as the log's base");
        return Build(command, console, retention: false);
    }

    public static Command CreateExpire(ToolConsole console)
    {
        var command = new Command("expire", "Retention: drop events stamped before a date (that every known peer holds), keeping a snapshot of the state as the log's base");
        return Build(command, console, retention: true);
    }

    private static Command Build(Command command, ToolConsole console, bool retention)
    {
        var dir = new Option<string>("--dir", "-d") { Description = "The node's data directory (running with a control endpoint, or stopped)", Required = true };
        var key = Options.Key();
        var contract = new Option<string?>("--contract") { Description = "A stopped node's contract assembly (the .dll with its [ZamState] class): compaction keeps a snapshot of that state" };
        var relay = new Option<bool>("--relay") { Description = "A stopped relay's directory: it folds no state, so the base keeps none" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Say what would be dropped, change nothing" };
        var json = Options.Json();
        command.Add(dir);
        command.Add(key);
        command.Add(contract);
        command.Add(relay);
        command.Add(dryRun);
        command.Add(json);
        Option<DateTimeOffset?>? before = null;
        Option<int?>? keep = null;
        if (retention)
        {
            before = Options.Instant("--before", "Drop only events stamped before this instant (ISO 8601; UTC unless an offset is given)");
            before.Required = true;
            keep = Options.Count("--keep-per-origin", "Keep at least each origin's newest N events");
            command.Add(before);
            command.Add(keep);
        }
        command.SetAction(async (result, cancellationToken) =>
        {
            string directory = Path.GetFullPath(result.GetValue(dir)!);
            if (!Directory.Exists(directory)) throw new ToolFailure($"'{directory}' does not exist.");
            var options = new CompactionOptions { DryRun = result.GetValue(dryRun) };
            if (before is not null) options = options with { Before = result.GetValue(before) };
            if (keep is not null && result.GetValue(keep) is { } count) options = options with { KeepPerOrigin = count };
            JsonObject report;
            bool running;
            await using (var client = await ControlClient.ConnectToDirectoryAsync(directory, cancellationToken).ConfigureAwait(false))
            {
                running = client is not null;
                if (client is not null)
                {
                    var args = new JsonObject { ["dryRun"] = options.DryRun, ["keepPerOrigin"] = options.KeepPerOrigin };
                    if (options.Before is { } instant) args["before"] = instant.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
                    report = (JsonObject)(await client.InvokeAsync("compact", args, cancellationToken).ConfigureAwait(false))!;
                }
                else
                {
                    await using var engine = await StoppedEngine.OpenAsync(directory, result.GetValue(key), result.GetValue(contract), result.GetValue(relay), cancellationToken).ConfigureAwait(false);
                    var compaction = await engine.CompactAsync(options, cancellationToken).ConfigureAwait(false);
                    report = CompactOperation.Describe(compaction, engine.NodeId);
                }
            }
            report["running"] = running;
            if (result.GetValue(json))
            {
                console.Out.WriteLine(report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                return ToolApp.Success;
            }
            long dropped = report["eventsDropped"]!.GetValue<long>();
            string perOrigin = string.Join(", ", ((JsonObject)report["droppedPerOrigin"]!).Select(p => $"{p.Key}: {Formats.N(p.Value!.GetValue<long>())}"));
            string floors = string.Join(", ", ((JsonObject)report["floors"]!).Select(p => $"{p.Key}:{p.Value}"));
            string? stoppedBy = report["stoppedBy"]?.GetValue<string>();
            string held = stoppedBy is null ? "" : $"; held back by: {stoppedBy}";
            if (report["dryRun"]!.GetValue<bool>())
            {
                console.Out.WriteLine(dropped == 0
                    ? $"dry run: nothing would be dropped{held}. Nothing was changed."
                    : $"dry run: would drop {Formats.N(dropped)} events ({perOrigin}); floors would be {floors}{held}. Nothing was changed.");
            }
            else if (dropped == 0)
            {
                console.Out.WriteLine($"nothing dropped{held}; the log is {Formats.N(report["bytesAfter"]!.GetValue<long>())} bytes.");
            }
            else
            {
                console.Out.WriteLine($"dropped {Formats.N(dropped)} events ({perOrigin}) and freed {Formats.N(report["bytesFreed"]!.GetValue<long>())} bytes " +
                    $"({Formats.N(report["bytesBefore"]!.GetValue<long>())} → {Formats.N(report["bytesAfter"]!.GetValue<long>())}); floors now {floors} (every sequence up to a floor counts as held and is never minted again){held}.");
            }
            return ToolApp.Success;
        });
        return command;
    }
}

using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Clinic.Node;
using Spectre.Console;

namespace Clinic.Commands;

/// <summary>
/// <c>status</c>: what a node holds and what its peers lack, from the running node when there is one (so it works on a
/// serving hub and a running clinic) or from the directory. <c>--json</c> prints the object scripts read
/// (docs/control-endpoint.md); the text is drawn from the same object.
/// </summary>
internal static class StatusCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var dir = Common.Dir();
        var json = new Option<bool>("--json") { Description = "Print the status as one JSON object (for scripts)" };
        var command = new Command("status", "Show events held, peers, and what is waiting to be sent") { dir, json };
        command.SetAction(async (result, cancellationToken) =>
        {
            var directory = new NodeDirectory(result.GetValue(dir)!);
            JsonObject status;
            await using (var node = await NodeAccess.OpenAsync(directory, cancellationToken))
                status = await node.StatusAsync(cancellationToken);
            if (result.GetValue(json))
                console.Profile.Out.Writer.WriteLine(status.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            else
                Render(console, status);
            return ClinicApp.Success;
        });
        return command;
    }

    private static void Render(IAnsiConsole console, JsonObject status)
    {
        var clinic = status["clinic"]!;
        string kind = (string)clinic["kind"]! == "hub" ? "Hub" : "Clinic";
        string running = (bool)status["running"]! ? "running" : "not running";
        console.MarkupLineInterpolated($"[bold]{kind} {(string?)status["node"]}[/] ({(string?)clinic["name"]}) in {(string?)status["dataDirectory"]}, {running}");
        if (clinic["relay"] is not null)
            console.MarkupLine("relay: stores and forwards every clinic's events, folds no state");
        else
            console.MarkupLineInterpolated($"{(int)clinic["patients"]!} patients, {(int)clinic["eventsApplied"]!} events applied, state hash {(string?)clinic["stateHash"]}");
        if (status["replicator"] is null && status["hub"] is null)
            console.MarkupLineInterpolated($"last sync: {(string?)clinic["lastSync"] ?? "never"}");

        var events = new Table().Border(TableBorder.Rounded).Title("events held").AddColumn("origin").AddColumn(new TableColumn("events").RightAligned());
        foreach (var (origin, seq) in status["known"]!.AsObject()) events.AddRow(origin, N((long)seq!));
        if (status["known"]!.AsObject().Count == 0) events.AddRow("(none yet)", "0");
        console.Write(events);

        // A serving hub knows each peer's sessions; any node knows what each peer holds and so lacks.
        var sessions = (status["hub"]?["peers"]?.AsArray() ?? []).ToDictionary(p => (string)p!["node"]!, p => p!);
        var peers = new Table().Border(TableBorder.Rounded).Title("peers").AddColumn("peer").AddColumn(new TableColumn("waiting to be sent").RightAligned());
        if (sessions.Count > 0) peers.AddColumn("last sync").AddColumn(new TableColumn("sessions").RightAligned()).AddColumn("last error");
        foreach (var peer in status["peers"]!.AsArray())
        {
            string id = (string)peer!["node"]!;
            var row = new List<string> { id, N((long)peer["lacks"]!) };
            if (sessions.Count > 0)
            {
                var s = sessions.GetValueOrDefault(id);
                row.Add((string?)s?["lastSuccess"] ?? "not since the hub started");
                row.Add(s is null ? "0" : $"{(int)s["sessions"]!} ({(int)s["failures"]!} failed)");
                row.Add((string?)s?["lastError"] ?? "");
            }
            peers.AddRow(row.Select(Markup.Escape).ToArray());
        }
        if (status["peers"]!.AsArray().Count == 0) peers.AddRow(sessions.Count > 0 ? ["(none yet)", "-", "", "", ""] : ["(none yet)", "-"]);
        console.Write(peers);
        if (status["replicator"] is JsonNode replicator)
        {
            foreach (var p in replicator["peers"]!.AsArray())
            {
                string state = (bool)p!["syncing"]! ? "syncing now" : $"last success {(string?)p["lastSuccess"] ?? "none yet"}";
                console.WriteLine($"sync with hub {(string?)p["peer"]} at {(string?)p["address"]}: {state}, next attempt {(string?)p["nextAttempt"] ?? "-"}, {N((long)p["bytesToday"]!)} B today");
                if ((string?)p["lastError"] is { } error && (int)p["consecutiveFailures"]! > 0)
                    console.WriteLine($"  failing ({(int)p["consecutiveFailures"]!} in a row): {error}");
            }
            if (replicator["budget"]?["maxBytesPerDay"] is JsonNode max)
            {
                var budget = replicator["budget"]!;
                console.WriteLine($"daily budget: {N((long)budget["bytesToday"]!)} of {N((long)max)} B used today{((bool)budget["spent"]! ? $", spent until {(string?)budget["nextDay"]}" : "")}");
            }
        }
        if ((long)status["tornTailBytes"]! is long torn and > 0)
            console.MarkupLineInterpolated($"[yellow]On open, a torn tail of {torn} bytes (an interrupted write) was cut off.[/]");
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}

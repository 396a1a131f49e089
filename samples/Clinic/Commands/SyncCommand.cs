using System.CommandLine;
using Clinic.Demo;
using Clinic.Node;
using System.Text.Json.Nodes;
using Spectre.Console;
using ZamSync;
using ZamSync.Hosting.Control;
using ZamSync.Net.Tcp;
using ZamSync.Sync;

namespace Clinic.Commands;

internal static class SyncCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var dir = Common.Dir();
        var hub = Common.Hub();
        hub.Required = false; // not when a running node syncs with the hub it was started with
        var hubId = Common.HubId();
        hubId.Required = false;
        var maxBytes = Common.MaxBytes();
        var every = new Option<TimeSpan?>("--every") { Description = "Keep syncing at this interval until stopped: 30s, 10m, 1h or hh:mm:ss", CustomParser = Quantities.ParseIntervalOption };
        var now = new Option<bool>("--now") { Description = "Sync once, now (the default); with the node running, asks it to sync with its hub" };
        var command = new Command("sync", "Sync with the hub, once or on an interval; with `node` running, ask it to sync now") { dir, hub, hubId, maxBytes, every, now };
        command.SetAction(async (result, cancellationToken) =>
        {
            var directory = new NodeDirectory(result.GetValue(dir)!);
            _ = directory.Config;
            await using (var running = await ControlClient.ConnectToDirectoryAsync(directory.Path, cancellationToken))
            {
                if (running is not null)
                {
                    if (result.GetResult(every) is not null || result.GetResult(hub) is not null || result.GetResult(maxBytes) is not null)
                        throw new UsageMistake($"the node is running in {directory.Path} and syncs as it was started: use `sync --now --dir {directory.Path}` alone, or stop the node first");
                    return await AskRunningNodeAsync(console, running, directory, cancellationToken);
                }
            }
            if (result.GetResult(hub) is null || result.GetResult(hubId) is null)
                throw new UsageMistake("--hub and --hub-id are required when no node is running in the directory (start one with `node --hub ... --hub-id ...`, or give them here)");
            var tls = directory.LoadTls();
            await using var engine = await directory.OpenAsync(cancellationToken);
            var hubNode = new NodeId(result.GetValue(hubId));
            string address = result.GetValue(hub)!;
            var interval = result.GetValue(every);
            int failures = 0;
            do
            {
                try
                {
                    var stats = await SyncOnceAsync(console, engine, hubNode, address, tls, result.GetValue(maxBytes), cancellationToken);
                    directory.RecordSync($"with hub {hubNode}: sent {stats.EventsSent} events, received {stats.EventsReceived}" + (stats.BudgetExhausted ? " (budget reached)" : ""));
                    failures = 0;
                }
                // On an interval, an unreachable hub or a cut link is the normal weather: say so and try again at the
                // next tick (what arrived whole is kept, and the next session sends only the rest). Once, it fails.
                catch (Exception ex) when (interval is not null && !cancellationToken.IsCancellationRequested && IsLinkFailure(ex))
                {
                    failures++;
                    console.MarkupLineInterpolated($"[yellow]Sync failed (attempt {failures}): {NetworkErrors.DescribeSync(ex, hubNode, address, directory.Path).TrimEnd('.')}. Retrying in {interval}.[/]");
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is ZamException or IOException or System.Net.Sockets.SocketException)
                {
                    throw new UserError(NetworkErrors.DescribeSync(ex, hubNode, address, directory.Path), ex);
                }
                if (interval is { } wait)
                {
                    try
                    {
                        await Task.Delay(wait, cancellationToken);
                    }
                    catch (OperationCanceledException)
                    {
                        return 0; // stopped by the operator
                    }
                }
            }
            while (interval is not null && !cancellationToken.IsCancellationRequested);
            return 0;
        });
        return command;
    }

    /// <summary>`sync --now` with the node running: its replicator syncs (within its budgets and minimum interval) and says how it went.</summary>
    private static async Task<int> AskRunningNodeAsync(IAnsiConsole console, ControlClient node, NodeDirectory directory, CancellationToken cancellationToken)
    {
        JsonNode? answer;
        try
        {
            answer = await node.InvokeAsync("sync", null, cancellationToken);
        }
        catch (ControlException ex) when (ex.Code == ControlException.UnknownOperation)
        {
            throw new UserError($"the node running in {directory.Path} was started without a hub: restart it with `node --hub HOST:PORT --hub-id N`");
        }
        catch (ControlException ex)
        {
            throw new UserError($"the running node at {directory.Path} says: {ex.Message}");
        }
        foreach (var peer in answer!.AsArray())
        {
            string hub = (string)peer!["peer"]!, outcome = (string)peer["outcome"]!;
            string next = (string?)peer["nextAttempt"] is { } at ? $" (next: {at})" : "";
            switch (outcome)
            {
                case "synced":
                    var s = peer["session"]!;
                    console.MarkupLineInterpolated($"[green]Synced[/] with hub {hub} through the running node: sent {(int)s["eventsSent"]!} events, received {(int)s["eventsReceived"]!} ({(long)s["bytesSent"]!:N0} B up, {(long)s["bytesReceived"]!:N0} B down)");
                    break;
                case "throttled":
                    console.MarkupLineInterpolated($"[yellow]Not now:[/] the node synced with hub {hub} moments ago{next}.");
                    break;
                case "daily_budget_spent":
                    throw new UserError($"today's byte budget is spent: no session with hub {hub} until the next day{next}");
                default:
                    throw new UserError($"sync with hub {hub} failed after {(int)peer["attempts"]!} attempts: {(string?)peer["error"]}{next}");
            }
        }
        return ClinicApp.Success;
    }

    /// <summary>
    /// What is worth another try at the next tick: a cut or unreachable link and a deadline (docs/protocol.md, "Errors").
    /// A refusal, a protocol violation or a budget too small for the handshake would fail the same way every time.
    /// </summary>
    private static bool IsLinkFailure(Exception ex) =>
        ex is SyncException { IsTransient: true } or IOException or TimeoutException or System.Net.Sockets.SocketException;

    private static async Task<SyncStats> SyncOnceAsync(IAnsiConsole console, ZamEngine engine, NodeId hub, string address,
        ZamSync.Net.Tls.TlsOptions tls, long? maxBytes, CancellationToken cancellationToken)
    {
        await using var link = await ZamSync.Net.HubConnector.ConnectAsync(hub, address, new TcpTransportOptions { Tls = tls }, cancellationToken);
        SyncStats? stats = null;
        await console.Progress().AutoClear(true).StartAsync(async ctx =>
        {
            var task = ctx.AddTask($"sync with hub {hub}", maxValue: maxBytes is { } cap ? cap * 2 : 1);
            var session = engine.CreateSession(link).WithProgress(new InlineProgress<SyncProgress>(p =>
            {
                task.Description = $"sync with hub {hub}  ↑{p.EventsSent} ↓{p.EventsReceived} events";
                if (maxBytes is not null) task.Value = p.BytesSent + p.BytesReceived;
            }));
            if (maxBytes is { } limit) session.WithMaxBytes(limit);
            stats = await session.SyncAsync(hub, cancellationToken);
            task.Value = task.MaxValue;
        });
        console.MarkupLineInterpolated($"[green]Synced[/] with hub {hub}: sent {stats!.EventsSent} events, received {stats.EventsReceived} ({stats.BytesSent:N0} B up, {stats.BytesReceived:N0} B down, {stats.Duration.TotalSeconds:N1} s)");
        if (stats.BudgetExhausted) console.MarkupLine("[yellow]The byte budget was reached: the rest goes in the next sync.[/]");
        return stats;
    }
}

using System.CommandLine;
using Clinic.Demo;
using Clinic.Node;
using Spectre.Console;
using ZamSync;
using ZamSync.Net.Tcp;
using ZamSync.Sync;

namespace Clinic.Commands;

internal static class SyncCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var dir = Common.Dir();
        var hub = Common.Hub();
        var hubId = Common.HubId();
        var maxBytes = Common.MaxBytes();
        var every = new Option<TimeSpan?>("--every") { Description = "Keep syncing at this interval until stopped: 30s, 10m, 1h or hh:mm:ss", CustomParser = Quantities.ParseIntervalOption };
        var command = new Command("sync", "Sync with the hub, once or on an interval") { dir, hub, hubId, maxBytes, every };
        command.SetAction(async (result, cancellationToken) =>
        {
            var directory = new NodeDirectory(result.GetValue(dir)!);
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

    /// <summary>
    /// What is worth another try at the next tick: a cut or unreachable link and a deadline (docs/protocol.md, "Errors").
    /// A refusal, a protocol violation or a budget too small for the handshake would fail the same way every time.
    /// </summary>
    private static bool IsLinkFailure(Exception ex) =>
        ex is SyncException { IsTransient: true } or IOException or TimeoutException or System.Net.Sockets.SocketException;

    private static async Task<SyncStats> SyncOnceAsync(IAnsiConsole console, ZamEngine engine, NodeId hub, string address,
        ZamSync.Net.Tls.TlsOptions tls, long? maxBytes, CancellationToken cancellationToken)
    {
        await using var link = await TcpTransport.ConnectAsync(hub, address, new TcpTransportOptions { Tls = tls }, cancellationToken);
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

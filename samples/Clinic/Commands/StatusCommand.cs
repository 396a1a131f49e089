using System.CommandLine;
using System.Globalization;
using Clinic.Node;
using Spectre.Console;

namespace Clinic.Commands;

internal static class StatusCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var dir = Common.Dir();
        var command = new Command("status", "Show events held, peers, and what is waiting to be sent") { dir };
        command.SetAction(async (result, cancellationToken) =>
        {
            var directory = new NodeDirectory(result.GetValue(dir)!);
            var config = directory.Config;
            await using var engine = await directory.OpenAsync(cancellationToken);
            var (patients, applied, digest) = engine.Read(s => (s.Patients.Count, s.EventsApplied, s.Digest()));
            console.MarkupLineInterpolated($"[bold]{config.Kind} {config.NodeId}[/] ({config.Name}) in {directory.Path}");
            console.MarkupLineInterpolated($"{patients} patients, {applied} events applied, state hash {digest}");
            console.MarkupLineInterpolated($"last sync: {directory.LastSync ?? "never"}");

            var known = engine.Known;
            var events = new Table().Border(TableBorder.Rounded).Title("events held").AddColumn("origin").AddColumn(new TableColumn("events").RightAligned());
            foreach (var (origin, seq) in known) events.AddRow(origin.ToString(), seq.ToString("N0", CultureInfo.InvariantCulture));
            console.Write(events);

            var peers = new Table().Border(TableBorder.Rounded).Title("peers").AddColumn("peer").AddColumn(new TableColumn("waiting to be sent").RightAligned());
            foreach (var (peer, holds) in engine.Peers)
            {
                long waiting = known.Sum(o => (long)(o.Value > holds[o.Key] ? o.Value - holds[o.Key] : 0));
                peers.AddRow(peer.ToString(), waiting.ToString("N0", CultureInfo.InvariantCulture));
            }
            if (engine.Peers.Count == 0) peers.AddRow("(none yet)", "-");
            console.Write(peers);
            if (engine.Recovery.TailWasTorn)
                console.MarkupLineInterpolated($"[yellow]On open, a torn tail of {engine.Recovery.TruncatedBytes} bytes (an interrupted write) was cut off.[/]");
            return 0;
        });
        return command;
    }
}

using System.CommandLine;
using Clinic.Node;
using Spectre.Console;

namespace Clinic.Commands;

internal static class InitCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var dir = Common.Dir("Directory to create the node in");
        var node = Values.NodeId("--node", "This node's id (a positive number, unique in the deployment)");
        var hub = new Option<bool>("--hub") { Description = "Initialise a hub: also creates the deployment CA and the hub's certificate" };
        var name = new Option<string>("--name") { Description = "A name for the node (or the deployment, for a hub)", DefaultValueFactory = _ => "clinic" };
        var passphrase = new CaPassphrase();
        var command = new Command("init", "Initialise a clinic node, or a hub with its PKI") { dir, node, hub, name };
        passphrase.AddTo(command);
        command.SetAction(result =>
        {
            ulong id = result.GetValue(node);
            var directory = new NodeDirectory(result.GetValue(dir)!);
            var kind = result.GetValue(hub) ? NodeKind.Hub : NodeKind.Clinic;
            string? secret = kind == NodeKind.Hub ? passphrase.Resolve(result, console, confirm: true) : null;
            directory.Initialise(new NodeConfig(id, kind, result.GetValue(name)!), secret);
            console.MarkupLineInterpolated($"[green]Initialised[/] {kind.ToString().ToLowerInvariant()} {id} in {directory.Path}");
            if (kind == NodeKind.Hub)
            {
                console.MarkupLine(secret is null
                    ? "The deployment CA's key is in tls/ca.pfx, [yellow]not encrypted[/] (mode 0600): keep it safe, or re-create the hub with --ca-passphrase-file."
                    : "The deployment CA's key is in tls/ca.pfx, encrypted with your passphrase: `sign` and `issue` will ask for it.");
                console.MarkupLine("Clinics get certificates with `request` (on the clinic), `sign` (here), `install` (on the clinic).");
            }
            else
                console.MarkupLineInterpolated($"Next: `request --dir {directory.Path}`, send the request to the hub's operator for `sign`, then `install` what comes back.");
            return 0;
        });
        return command;
    }
}

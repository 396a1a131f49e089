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
        var command = new Command("init", "Initialise a clinic node, or a hub with its PKI") { dir, node, hub, name };
        command.SetAction(result =>
        {
            ulong id = result.GetValue(node);
            var directory = new NodeDirectory(result.GetValue(dir)!);
            var kind = result.GetValue(hub) ? NodeKind.Hub : NodeKind.Clinic;
            directory.Initialise(new NodeConfig(id, kind, result.GetValue(name)!));
            console.MarkupLineInterpolated($"[green]Initialised[/] {kind.ToString().ToLowerInvariant()} {id} in {directory.Path}");
            if (kind == NodeKind.Hub)
                console.MarkupLine("The deployment CA is in tls/ca.pfx: keep it safe. Issue clinic certificates with `issue`.");
            else
                console.MarkupLine("Next: on the hub, `issue --hub-dir <hub dir> --dir <this dir>` to give this clinic its certificate.");
            return 0;
        });
        return command;
    }
}

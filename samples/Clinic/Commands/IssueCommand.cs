using System.CommandLine;
using Clinic.Node;
using Spectre.Console;

namespace Clinic.Commands;

internal static class IssueCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var hubDir = new Option<string>("--hub-dir") { Description = "The hub's directory (holds the CA)", Required = true };
        var dir = Common.Dir("The clinic's directory (already initialised)");
        var passphrase = new CaPassphrase();
        var command = new Command("issue", "Issue a certificate for a clinic from the hub's CA, both directories on this machine (a demo; see request/sign/install)") { hubDir, dir };
        passphrase.AddTo(command);
        command.SetAction(result =>
        {
            var hub = new NodeDirectory(result.GetValue(hubDir)!);
            var clinic = new NodeDirectory(result.GetValue(dir)!);
            hub.IssueFor(clinic, passphrase.Resolve(result, console, confirm: false));
            console.MarkupLineInterpolated($"[green]Issued[/] a certificate for node {clinic.Config.NodeId} ({clinic.Path}/tls/node.pfx)");
            return 0;
        });
        return command;
    }
}

using System.CommandLine;
using Clinic.Node;
using Spectre.Console;

namespace Clinic.Commands;

/// <summary><c>request</c>, on the clinic: a new key (kept here) and a certificate request to take to the hub.</summary>
internal static class RequestCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var dir = Common.Dir("The clinic's directory (already initialised)");
        var output = new Option<string?>("--out") { Description = "Where to write the request (default: tls/node-<id>.csr in the directory)" };
        var command = new Command("request", "Make this clinic's key and a certificate request for the hub to sign") { dir, output };
        command.SetAction(result =>
        {
            var clinic = new NodeDirectory(result.GetValue(dir)!);
            string path = Path.GetFullPath(result.GetValue(output) ?? clinic.DefaultRequest);
            bool reused = Enrolment.Request(clinic, path);
            string key = reused ? "for the key already waiting in tls/node.key" : "the key stays in tls/node.key, mode 0600";
            console.MarkupLineInterpolated($"[green]Wrote[/] a certificate request for node {clinic.Config.NodeId} to {path} ({key})");
            console.MarkupLineInterpolated($"Take it to the hub: `sign --hub-dir <hub dir> --node {clinic.Config.NodeId} --request {Path.GetFileName(path)}` writes {Path.GetFileNameWithoutExtension(path)}.crt; bring back that file and the hub's tls/ca.crt for `install`.");
            return ClinicApp.Success;
        });
        return command;
    }
}

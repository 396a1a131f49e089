using System.CommandLine;
using Clinic.Demo;
using Spectre.Console;

namespace Clinic.Commands;

internal static class DemoCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var dir = new Option<string?>("--dir") { Description = "Keep the nodes here instead of a temporary folder" };
        var keep = new Option<bool>("--keep")
        {
            Description = "Keep the temporary folder at the end (it is removed otherwise), and keep the hub's dashboard up after the report until Ctrl+C",
        };
        var http = new Option<string>("--http")
        {
            Description = "Loopback address of the hub's dashboard and HTTP API, such as 127.0.0.1:8080 (default: a free port, printed)",
            DefaultValueFactory = _ => "127.0.0.1:0",
        };
        var command = new Command("demo", "A hub and three clinics on a simulated 2G link, with mutual TLS, budgets and a cut") { dir, keep, http };
        command.SetAction((result, cancellationToken) =>
        {
            // Checked here, before anything is created, so a mistyped address is a usage error.
            Web.WebEndpoint.Parse("--http", result.GetValue(http)!, tls: false);
            var options = new DemoOptions { Directory = result.GetValue(dir), Keep = result.GetValue(keep), Http = result.GetValue(http)! };
            return new DemoRunner(console, options).RunAsync(cancellationToken);
        });
        return command;
    }
}

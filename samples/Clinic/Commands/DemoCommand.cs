using System.CommandLine;
using Clinic.Demo;
using Spectre.Console;

namespace Clinic.Commands;

internal static class DemoCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var dir = new Option<string?>("--dir") { Description = "Keep the nodes here instead of a temporary folder" };
        var keep = new Option<bool>("--keep") { Description = "Keep the temporary folder at the end (it is removed otherwise)" };
        var command = new Command("demo", "A hub and three clinics on a simulated 2G link, with mutual TLS, budgets and a cut") { dir, keep };
        command.SetAction((result, cancellationToken) =>
            new DemoRunner(console, new DemoOptions { Directory = result.GetValue(dir), Keep = result.GetValue(keep) }).RunAsync(cancellationToken));
        return command;
    }
}

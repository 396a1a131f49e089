using System.CommandLine;
using Clinic.Demo;
using Spectre.Console;

namespace Clinic.Commands;

internal static class DemoCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var dir = new Option<string?>("--dir") { Description = "Keep the nodes here instead of a temporary folder" };
        var command = new Command("demo", "A hub and three clinics on a simulated 2G link, with mutual TLS, budgets and a cut") { dir };
        command.SetAction((result, cancellationToken) =>
            new DemoRunner(console, new DemoOptions { Directory = result.GetValue(dir) }).RunAsync(cancellationToken));
        return command;
    }
}

using System.CommandLine;
using Clinic.Node;
using Spectre.Console;

namespace Clinic.Commands;

/// <summary><c>install</c>, on the clinic: checks the certificate the hub signed and makes it the clinic's.</summary>
internal static class InstallCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var dir = Common.Dir("The clinic's directory (where `request` was run)");
        var certificate = new Option<string>("--cert") { Description = "The certificate from `sign` (.crt)", Required = true };
        var authority = new Option<string>("--ca") { Description = "The deployment CA's certificate (the hub's tls/ca.crt)", Required = true };
        var command = new Command("install", "Check and install the certificate the hub signed for this clinic") { dir, certificate, authority };
        command.SetAction(result =>
        {
            var clinic = new NodeDirectory(result.GetValue(dir)!);
            using var installed = Enrolment.Install(clinic, Path.GetFullPath(result.GetValue(certificate)!), Path.GetFullPath(result.GetValue(authority)!));
            console.MarkupLineInterpolated($"[green]Installed[/] the certificate of node {clinic.Config.NodeId} (serial {installed.SerialNumber}) in {clinic.NodeCertificate}, trusting the CA '{installed.Issuer}'.");
            console.MarkupLine("Next: `sync --dir <this dir> --hub HOST:PORT --hub-id <the hub's id>`.");
            return ClinicApp.Success;
        });
        return command;
    }
}

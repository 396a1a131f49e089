using System.CommandLine;
using Clinic.Node;
using Spectre.Console;
using ZamSync;

namespace Clinic.Commands;

/// <summary><c>sign</c>, on the hub: issues a clinic's certificate from its request; the CA's key never leaves the hub.</summary>
internal static class SignCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var hubDir = new Option<string>("--hub-dir") { Description = "The hub's directory (holds the CA)", Required = true };
        var request = new Option<string>("--request") { Description = "The clinic's certificate request (.csr, from `request`)", Required = true };
        var node = Values.NodeId("--node", "The node id the certificate is for: the request must ask for the same one");
        var output = new Option<string?>("--out") { Description = "Where to write the certificate (default: the request's name with .crt)" };
        var passphrase = new CaPassphrase();
        var command = new Command("sign", "Issue a clinic's certificate from its certificate request") { hubDir, request, node, output };
        passphrase.AddTo(command);
        command.SetAction(result =>
        {
            var hub = new NodeDirectory(result.GetValue(hubDir)!);
            string requestPath = Path.GetFullPath(result.GetValue(request)!);
            string certificatePath = Path.GetFullPath(result.GetValue(output) ?? Path.ChangeExtension(requestPath, ".crt"));
            var id = new NodeId(result.GetValue(node));
            using var issued = Enrolment.Sign(hub, passphrase.Resolve(result, console, confirm: false), requestPath, id, certificatePath);
            console.MarkupLineInterpolated($"[green]Signed[/] node {id}'s certificate (serial {issued.SerialNumber}, valid until {issued.NotAfter.ToUniversalTime():yyyy-MM-dd}) into {certificatePath}");
            console.MarkupLineInterpolated($"Give the clinic that file and {hub.CaCertificate}; there: `install --dir <clinic dir> --cert {Path.GetFileName(certificatePath)} --ca ca.crt`.");
            return ClinicApp.Success;
        });
        return command;
    }
}

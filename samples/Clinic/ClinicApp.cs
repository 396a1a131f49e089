using System.CommandLine;
using Clinic.Commands;
using Clinic.Node;
using Spectre.Console;
using ZamSync;

namespace Clinic;

/// <summary>The command line, separate from <c>Main</c> so tests can run it in-process with their own console.</summary>
public static class ClinicApp
{
    public static RootCommand CreateRoot(IAnsiConsole console) =>
        new("ZamSync clinic tool: record patient care offline, sync with the district hub when a link appears.")
        {
            InitCommand.Create(console),
            IssueCommand.Create(console),
            SubmitCommand.Create(console),
            SyncCommand.Create(console),
            ServeCommand.Create(console),
            StatusCommand.Create(console),
            DemoCommand.Create(console),
        };

    /// <returns>The process exit code: 0 on success, 1 on an error the operator can act on, 2 on a usage error.</returns>
    public static async Task<int> RunAsync(string[] args, IAnsiConsole console, CancellationToken cancellationToken = default)
    {
        try
        {
            var parsed = CreateRoot(console).Parse(args);
            if (parsed.Errors.Count > 0)
            {
                // A usage mistake: say what is wrong, one line each, and touch nothing.
                foreach (var error in parsed.Errors) console.MarkupLineInterpolated($"[red]error:[/] {error.Message}");
                return 2;
            }
            return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (Exception ex) when (ex is UserError or ZamException or IOException or FormatException or System.Net.Sockets.SocketException or UnauthorizedAccessException)
        {
            // Operator mistakes and environmental failures (wrong address, wrong certificate, full disk): one
            // clear line and a non-zero exit code, no stack trace.
            console.MarkupLineInterpolated($"[red]error:[/] {ex.Message}");
            return 1;
        }
    }
}

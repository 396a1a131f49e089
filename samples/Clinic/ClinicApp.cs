using System.CommandLine;
using Clinic.Commands;
using Clinic.Node;
using Spectre.Console;

namespace Clinic;

/// <summary>The command line, separate from <c>Main</c> so tests can run it in-process with their own console.</summary>
public static class ClinicApp
{
    /// <summary>The exit codes, also listed in <c>--help</c> and docs/operations.md.</summary>
    public const int Success = 0, Failure = 1, UsageError = 2;

    public static RootCommand CreateRoot(IAnsiConsole console) =>
        new("ZamSync clinic tool: record patient care offline, sync with the district hub when a link appears.\n" +
            "Exit codes: 0 success, 1 the command failed (message on stderr), 2 usage error (nothing was changed).")
        {
            InitCommand.Create(console),
            RequestCommand.Create(console),
            SignCommand.Create(console),
            InstallCommand.Create(console),
            IssueCommand.Create(console),
            SubmitCommand.Create(console, TimeProvider.System),
            SyncCommand.Create(console),
            ServeCommand.Create(console, TimeProvider.System),
            NodeCommand.Create(console, TimeProvider.System),
            StatusCommand.Create(console),
            DemoCommand.Create(console),
        };

    /// <summary>Runs the tool with errors on the same console as the output (for callers that do not separate them).</summary>
    public static Task<int> RunAsync(string[] args, IAnsiConsole console, CancellationToken cancellationToken = default) =>
        RunAsync(args, console, console.Profile.Out.Writer, cancellationToken);

    /// <summary>Runs the tool: output on <paramref name="console"/>, each error as one plain line on <paramref name="errors"/>.</summary>
    /// <returns>The process exit code: <see cref="Success"/>, <see cref="Failure"/> or <see cref="UsageError"/>.</returns>
    public static async Task<int> RunAsync(string[] args, IAnsiConsole console, TextWriter errors, CancellationToken cancellationToken = default)
    {
        try
        {
            var parsed = CreateRoot(console).Parse(args);
            if (parsed.Errors.Count > 0)
            {
                // A usage mistake: say what is wrong, one line each, and touch nothing.
                foreach (var error in parsed.Errors) WriteError(errors, error.Message);
                return UsageError;
            }
            // Help goes straight to the console's writer: Spectre would wrap System.CommandLine's already wrapped text again.
            var invocation = new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = console.Profile.Out.Writer, Error = errors };
            return await parsed.InvokeAsync(invocation, cancellationToken);
        }
        catch (UsageMistake ex)
        {
            WriteError(errors, ex.Message);
            return UsageError;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            WriteError(errors, "stopped before the command finished (what was stored is kept).");
            return Failure;
        }
        catch (Exception ex)
        {
            // Operator mistakes and environmental failures (wrong address, wrong certificate, full disk) as one
            // clear line and a non-zero exit code, never a stack trace; anything unforeseen says what it was.
            WriteError(errors, ErrorText.Describe(ex));
            return Failure;
        }
    }

    private static void WriteError(TextWriter errors, string message) =>
        errors.WriteLine("error: " + string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
}

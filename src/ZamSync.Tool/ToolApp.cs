using System.CommandLine;
using ZamSync.Tool.Commands;

namespace ZamSync.Tool;

/// <summary>The command line, separate from <c>Main</c> so tests run it in-process with their own writers.</summary>
internal static class ToolApp
{
    /// <summary>The exit codes, also listed in <c>--help</c> and docs/operations.md.</summary>
    public const int Success = 0, Failure = 1, UsageError = 2;

    public static RootCommand CreateRoot(ToolConsole console) =>
        new("zamsync: look after a ZamSync node's data. Reads a stopped node's directory without changing it; backs up a running one through its engine.\n" +
            "Exit codes: 0 success, 1 the command failed or found a problem (each on stderr), 2 usage error (nothing was read or written).")
        {
            InfoCommand.Create(console),
            AuditCommand.Create(console),
            VerifyCommand.Create(console),
            KeygenCommand.Create(console),
            PingCommand.Create(console),
            BackupCommand.Create(console),
            RestoreCommand.Create(console),
            CompactCommand.CreateCompact(console),
            CompactCommand.CreateExpire(console),
            RekeyCommand.Create(console),
        };

    /// <summary>Runs the tool.</summary>
    /// <returns>The process exit code: <see cref="Success"/>, <see cref="Failure"/> or <see cref="UsageError"/>.</returns>
    public static async Task<int> RunAsync(string[] args, ToolConsole console, CancellationToken cancellationToken = default)
    {
        try
        {
            var parsed = CreateRoot(console).Parse(args);
            if (parsed.Errors.Count > 0)
            {
                foreach (var error in parsed.Errors) WriteError(console.Error, error.Message);
                return UsageError;
            }
            var invocation = new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = console.Out, Error = console.Error };
            return await parsed.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
        }
        catch (UsageException ex)
        {
            WriteError(console.Error, ex.Message);
            return UsageError;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            WriteError(console.Error, "stopped before the command finished (nothing was changed).");
            return Failure;
        }
        catch (Exception ex)
        {
            // Operator mistakes and environmental failures as one clear line and exit code 1, never a stack trace.
            WriteError(console.Error, ErrorText.Describe(ex));
            return Failure;
        }
    }

    /// <summary>One line on the error stream, whatever line breaks the message had.</summary>
    public static void WriteError(TextWriter errors, string message) =>
        errors.WriteLine("error: " + OneLine(message));

    public static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}

using ZamSync.Tool;

namespace ZamSync.Tool.Tests;

/// <summary>What one run of the tool printed and returned.</summary>
internal sealed record ToolResult(int ExitCode, string Out, string Error)
{
    public string[] OutLines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>Runs the tool's entry point in-process with captured output and errors (stderr is not a terminal, as in CI).</summary>
internal static class ToolRun
{
    public static async Task<ToolResult> RunAsync(params string[] args)
    {
        var output = new StringWriter { NewLine = "\n" };
        var errors = new StringWriter { NewLine = "\n" };
        int code = await ToolApp.RunAsync(args, new ToolConsole(output, errors, ErrorIsTerminal: false));
        return new ToolResult(code, output.ToString(), errors.ToString());
    }
}

using Spectre.Console;

namespace ZamSync.Tool.Output;

/// <summary>
/// A progress bar on the error stream for work that reads a whole log, drawn only when that stream is a terminal and
/// the output is not for a script (<c>--json</c>): piped or in a CI log, nothing but the result is written.
/// </summary>
internal static class ProgressBar
{
    public static T Run<T>(ToolConsole console, bool quiet, string description, long total, Func<IProgress<long>?, T> work)
    {
        if (quiet || !console.ErrorIsTerminal || total <= 0) return work(null);
        var terminal = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(console.Error) });
        return terminal.Progress().AutoClear(true).HideCompleted(true).Start(context =>
        {
            var task = context.AddTask(Markup.Escape(description), maxValue: total);
            return work(new Reporter(task));
        });
    }

    private sealed class Reporter(ProgressTask task) : IProgress<long>
    {
        public void Report(long value) => task.Value = value;
    }
}

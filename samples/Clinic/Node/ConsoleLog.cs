using System.Globalization;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Clinic.Node;

/// <summary>
/// The long-running commands' log (<c>serve</c>, <c>node</c>): one plain line per entry on the tool's console, warnings
/// and errors only by default, so an operator watching a hub sees every refused connection and why, beside the
/// one-line session summaries the commands print themselves.
/// </summary>
internal sealed class ConsoleLog(IAnsiConsole console, TimeProvider clock, LogLevel minimum = LogLevel.Warning) : ILoggerProvider, ILoggerFactory
{
    private readonly Lock _write = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("The clinic tool's log writes to its console only.");

    public void Dispose()
    {
    }

    private void Write(LogLevel level, string message, Exception? exception)
    {
        string tag = level switch
        {
            LogLevel.Critical or LogLevel.Error => "error",
            LogLevel.Warning => "warn",
            _ => "info",
        };
        string line = $"{clock.GetUtcNow().ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {tag}: {message}";
        if (exception is not null && !message.Contains(exception.Message, StringComparison.Ordinal)) line += $" ({exception.Message})";
        lock (_write) console.WriteLine(line.ReplaceLineEndings(" "));
    }

    private sealed class Logger(ConsoleLog log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= log.Minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // Session outcomes (400-499, docs/engine.md): `serve` and `node` print their own line per session.
            if (eventId.Id is >= 400 and < 500) return;
            if (IsEnabled(logLevel)) log.Write(logLevel, formatter(state, exception), exception);
        }
    }

    private LogLevel Minimum => minimum;
}

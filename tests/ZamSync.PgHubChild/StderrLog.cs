using Microsoft.Extensions.Logging;

namespace ZamSync.PgHubChild;

/// <summary>
/// Warnings and errors of the hub process on stderr, one line each, which the tests put in a failure's message: a
/// session the hub refused or lost says why there.
/// </summary>
internal sealed class StderrLog : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new Logger(categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            string error = exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message})";
            Console.Error.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}{error}");
        }
    }
}

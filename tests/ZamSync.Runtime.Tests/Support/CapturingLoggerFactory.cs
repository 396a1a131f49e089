using Microsoft.Extensions.Logging;

namespace ZamSync.Tests.Support;

/// <summary>One line a logger wrote: its category, level, event id, rendered message and named values.</summary>
public sealed record LogLine(string Category, LogLevel Level, EventId EventId, string Message, IReadOnlyDictionary<string, object?> Values, Exception? Exception);

/// <summary>
/// A logger factory that keeps every line written through it, for tests to assert on, and lets a test await the
/// first line that matches (no polling): pass it as <see cref="ZamEngineOptions.LoggerFactory"/> or to a hub.
/// </summary>
public sealed class CapturingLoggerFactory : ILoggerFactory
{
    private readonly List<LogLine> _lines = new();
    private readonly List<(Func<LogLine, bool> Match, TaskCompletionSource<LogLine> Done)> _waiters = new();

    public IReadOnlyList<LogLine> Lines
    {
        get { lock (_lines) return _lines.ToList(); }
    }

    /// <summary>Lines with event id <paramref name="id"/>.</summary>
    public IReadOnlyList<LogLine> WithId(int id) => Lines.Where(l => l.EventId.Id == id).ToList();

    /// <summary>Completes with the first line (already written or still to come) that <paramref name="match"/> accepts.</summary>
    public Task<LogLine> WaitForAsync(Func<LogLine, bool> match)
    {
        var done = new TaskCompletionSource<LogLine>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lines)
        {
            if (_lines.FirstOrDefault(match) is { } line) done.TrySetResult(line);
            else _waiters.Add((match, done));
        }
        return done.Task.WaitAsync(Sessions.Guard);
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("This factory only captures.");

    public void Dispose()
    {
    }

    private void Add(LogLine line)
    {
        List<TaskCompletionSource<LogLine>> matched = new();
        lock (_lines)
        {
            _lines.Add(line);
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (!_waiters[i].Match(line)) continue;
                matched.Add(_waiters[i].Done);
                _waiters.RemoveAt(i);
            }
        }
        foreach (var done in matched) done.TrySetResult(line);
    }

    private sealed class Logger(CapturingLoggerFactory owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = new Dictionary<string, object?>();
            if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
                foreach (var (key, value) in pairs) values[key] = value;
            owner.Add(new LogLine(category, logLevel, eventId, formatter(state, exception), values, exception));
        }
    }
}

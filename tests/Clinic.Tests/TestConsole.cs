using System.Text;
using Spectre.Console;

namespace Clinic.Tests;

/// <summary>A non-interactive console writing plain text into a string, as in CI, that can be awaited for a line.</summary>
internal sealed class TestConsole
{
    private readonly WatchedWriter _writer = new();
    private readonly WatchedWriter _errors = new();

    public TestConsole()
    {
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(_writer),
        });
        Console.Profile.Width = 200;
    }

    public IAnsiConsole Console { get; }

    public string Output => _writer.Text;

    /// <summary>What the tool wrote to its error stream (stderr when run as a program).</summary>
    public string Errors => _errors.Text;

    /// <summary>The error stream, for runs started with <see cref="ClinicApp.RunAsync(string[], IAnsiConsole, TextWriter, CancellationToken)"/>.</summary>
    public TextWriter ErrorWriter => _errors;

    public Task<int> RunAsync(params string[] args) => ClinicApp.RunAsync(args, Console, _errors);

    public Task<int> RunAsync(string[] args, CancellationToken cancellationToken) => ClinicApp.RunAsync(args, Console, _errors, cancellationToken);

    /// <summary>Completes when the output contains <paramref name="text"/> (no polling: the writer signals).</summary>
    public Task WaitForAsync(string text) => _writer.WaitForAsync(text);

    private sealed class WatchedWriter : TextWriter
    {
        private readonly StringBuilder _text = new();
        private readonly List<(string Text, TaskCompletionSource Done)> _waiters = new();

        public override Encoding Encoding => Encoding.UTF8;

        public string Text
        {
            get { lock (_text) return _text.ToString(); }
        }

        public override void Write(char value) => Write(value.ToString());

        public override void Write(string? value)
        {
            if (value is null) return;
            lock (_text)
            {
                _text.Append(value);
                string all = _text.ToString();
                foreach (var waiter in _waiters.Where(w => all.Contains(w.Text, StringComparison.Ordinal)).ToList())
                {
                    waiter.Done.TrySetResult();
                    _waiters.Remove(waiter);
                }
            }
        }

        public Task WaitForAsync(string text)
        {
            lock (_text)
            {
                if (_text.ToString().Contains(text, StringComparison.Ordinal)) return Task.CompletedTask;
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((text, done));
                return done.Task;
            }
        }
    }
}

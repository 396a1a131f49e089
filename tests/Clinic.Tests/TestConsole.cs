using Spectre.Console;

namespace Clinic.Tests;

/// <summary>A non-interactive console writing plain text into a string, as in CI.</summary>
internal sealed class TestConsole
{
    private readonly StringWriter _writer = new();

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

    public string Output => _writer.ToString();

    public Task<int> RunAsync(params string[] args) => ClinicApp.RunAsync(args, Console);
}

using System.CommandLine;
using Spectre.Console;

namespace Clinic.Node;

/// <summary>
/// Where the passphrase protecting the CA's private key (<c>tls/ca.pfx</c>) comes from: a file, the environment
/// variable <c>ZAMSYNC_CA_PASSPHRASE</c>, or a prompt. With none, <c>init --hub</c> writes the key unencrypted
/// (mode 0600 still): a demo or a hub whose disk is its protection.
/// </summary>
internal sealed class CaPassphrase
{
    public const string EnvironmentVariable = "ZAMSYNC_CA_PASSPHRASE";

    public Option<string?> File { get; } = new("--ca-passphrase-file")
    {
        Description = $"A file whose first line is the passphrase of the CA's key (or set {EnvironmentVariable}, or --ask-ca-passphrase)",
    };

    public Option<bool> Ask { get; } = new("--ask-ca-passphrase") { Description = "Prompt for the passphrase of the CA's key" };

    /// <summary>How an operator gives the passphrase, for error messages.</summary>
    public const string Hint = $"give it with --ca-passphrase-file FILE, the {EnvironmentVariable} environment variable, or --ask-ca-passphrase";

    public void AddTo(Command command)
    {
        command.Options.Add(File);
        command.Options.Add(Ask);
    }

    /// <summary>The passphrase given, or null for none.</summary>
    /// <param name="confirm">Ask twice (when creating the key: a typo would lock the CA away for good).</param>
    public string? Resolve(ParseResult result, IAnsiConsole console, bool confirm)
    {
        if (result.GetValue(File) is { } path)
        {
            if (!System.IO.File.Exists(path)) throw new UserError($"{path}: no such file (given as --ca-passphrase-file).");
            string first = System.IO.File.ReadLines(path).FirstOrDefault() ?? "";
            return first.Length > 0 ? first : throw new UserError($"{path}: the passphrase file is empty.");
        }
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnvironment) return fromEnvironment;
        if (!result.GetValue(Ask)) return null;
        if (!console.Profile.Capabilities.Interactive)
            throw new UserError($"--ask-ca-passphrase needs a terminal: use --ca-passphrase-file or {EnvironmentVariable} in scripts.");
        string passphrase = console.Prompt(new TextPrompt<string>("Passphrase for the CA's key:").Secret());
        if (confirm && console.Prompt(new TextPrompt<string>("The same again:").Secret()) != passphrase)
            throw new UserError("the two passphrases differ: nothing was written.");
        return passphrase;
    }
}

using System.CommandLine;
using System.Security.Cryptography;

namespace ZamSync.Tool.Commands;

/// <summary><c>keygen</c>: a new random 32-byte data key for encryption at rest, in a file only its owner can read.</summary>
internal static class KeygenCommand
{
    public static Command Create(ToolConsole console)
    {
        var output = new Option<string>("--out", "-o") { Description = "The key file to create (never overwritten; keep it outside the data directory)", Required = true };
        var command = new Command("keygen", "Write a new data key file (mode 0600) for encryption at rest") { output };
        command.SetAction((result, _) =>
        {
            string path = Path.GetFullPath(result.GetValue(output)!);
            var key = RandomNumberGenerator.GetBytes(KeyFile.KeyBytes);
            try
            {
                KeyFile.WriteNew(path, key);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
            }
            console.Out.WriteLine($"wrote a new 32-byte data key to {path} (mode 0600). Keep a copy somewhere safe: without it the log it encrypts cannot be read.");
            return Task.FromResult(ToolApp.Success);
        });
        return command;
    }
}

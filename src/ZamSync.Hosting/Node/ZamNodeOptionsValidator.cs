using Microsoft.Extensions.Options;
using ZamSync.Wal;

namespace ZamSync.Hosting.Node;

/// <summary>
/// Checks a node's options when the host starts (<c>ValidateOnStart</c>), so a mistake stops the service at once with
/// the key to fix, instead of surfacing at the first submit. Every problem is reported, not only the first.
/// </summary>
internal sealed class ZamNodeOptionsValidator(string section) : IValidateOptions<ZamNodeOptions>
{
    public ValidateOptionsResult Validate(string? name, ZamNodeOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
            failures.Add($"{section}:DataDirectory: is required (the node's data directory).");
        else if (options.DataDirectory.AsSpan().IndexOfAny(Path.GetInvalidPathChars()) >= 0)
            failures.Add($"{section}:DataDirectory: '{options.DataDirectory}' is not a valid path.");
        if (options.NodeId == 0)
            failures.Add($"{section}:NodeId: is required and must not be 0 (each node of a deployment has its own id).");
        if (options.MaxClockDrift <= TimeSpan.Zero)
            failures.Add($"{section}:MaxClockDrift: must be positive, got {options.MaxClockDrift}.");
        if (!Enum.IsDefined(options.Cipher))
            failures.Add($"{section}:Cipher: '{options.Cipher}' is not a cipher (None, Aes256Gcm, ChaCha20Poly1305).");
        else if (options.Cipher != WalCipherKind.None)
        {
            if (string.IsNullOrWhiteSpace(options.KeyFile))
                failures.Add($"{section}:KeyFile: is required when {section}:Cipher is {options.Cipher}.");
            else if (WalKeyFile.TryRead(options.KeyFile, out var problem) is null)
                failures.Add($"{section}:KeyFile: {problem}.");
        }
        else if (!string.IsNullOrWhiteSpace(options.KeyFile))
            failures.Add($"{section}:KeyFile: is set but {section}:Cipher is None; set the cipher the log was created with (Aes256Gcm or ChaCha20Poly1305).");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

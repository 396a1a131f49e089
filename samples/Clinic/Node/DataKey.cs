using System.Security.Cryptography;
using System.Text;
using ZamSync.Wal;

namespace Clinic.Node;

/// <summary>
/// The data key of a node encrypted at rest (<c>init --encrypt</c>): 32 random bytes written as 64 hex digits and a
/// newline, mode 0600, the format <c>zamsync keygen</c> writes and both the hosting package and <c>zamsync --key</c> read.
/// </summary>
public static class DataKey
{
    public const int KeyBytes = 32;

    /// <summary>Where <c>init --encrypt</c> puts the key unless told: beside the data directory, not in it, so a copy of the directory alone does not carry it.</summary>
    public static string DefaultPath(string dataDirectory) => Path.TrimEndingDirectorySeparator(dataDirectory) + ".data.key";

    /// <summary>Writes a new random key to <paramref name="path"/>; never overwrites one (a lost key loses the data it encrypts).</summary>
    public static void Create(string path)
    {
        if (File.Exists(path)) throw new UserError($"{path}: a data key is already there; it is never overwritten (a lost key loses the log it encrypts). Choose another --key-file, or move it away first.");
        string? folder = Path.GetDirectoryName(path);
        if (folder is not null) Directory.CreateDirectory(folder);
        var key = RandomNumberGenerator.GetBytes(KeyBytes);
        var text = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(key) + "\n");
        try
        {
            KeyFiles.WritePrivate(path, text);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(text);
        }
    }

    /// <summary>The engine's log options for a key file: AES-256-GCM with the key it holds.</summary>
    public static WalOptions Options(string path)
    {
        if (!File.Exists(path)) throw new UserError($"{path}: the node's data key is missing (node.json says the log is encrypted with it): without it the log cannot be read.");
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length == KeyBytes) return new WalOptions { Cipher = WalCipherKind.Aes256Gcm, Key = bytes };
        string text = Encoding.ASCII.GetString(bytes).Trim();
        if (text.Length == 2 * KeyBytes && text.All(Uri.IsHexDigit)) return new WalOptions { Cipher = WalCipherKind.Aes256Gcm, Key = Convert.FromHexString(text) };
        throw new UserError($"{path}: not a 32-byte data key (expected 64 hex digits).");
    }
}

using System.Globalization;
using System.Text;

namespace ZamSync.Hosting.Node;

/// <summary>
/// Reads a log key from a file. Three spellings are accepted because keys are made with different tools: the raw 32
/// bytes (<c>head -c 32 /dev/urandom</c>), 64 hex digits (<c>openssl rand -hex 32</c>), or base64
/// (<c>openssl rand -base64 32</c>).
/// </summary>
internal static class WalKeyFile
{
    public const int KeyBytes = 32;

    /// <summary>The key, or null with <paramref name="problem"/> saying what is wrong with the file.</summary>
    public static byte[]? TryRead(string path, out string? problem)
    {
        byte[] contents;
        try
        {
            contents = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = $"cannot read the key file '{path}': {ex.Message}";
            return null;
        }
        if (contents.Length == KeyBytes)
        {
            problem = null;
            return contents;
        }
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(contents).Trim();
        }
        catch (DecoderFallbackException)
        {
            text = "";
        }
        if (text.Length == 2 * KeyBytes && text.All(Uri.IsHexDigit))
        {
            problem = null;
            return Convert.FromHexString(text);
        }
        var buffer = new byte[KeyBytes + 3];
        if (Convert.TryFromBase64String(text, buffer, out int written) && written == KeyBytes)
        {
            problem = null;
            return buffer[..KeyBytes];
        }
        problem = string.Create(CultureInfo.InvariantCulture,
            $"the key file '{path}' holds {contents.Length} bytes that are not a 32-byte key (write the raw 32 bytes, 64 hex digits or base64)");
        return null;
    }
}

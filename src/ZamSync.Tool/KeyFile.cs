using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ZamSync.Tool;

/// <summary>
/// Data key files. Read in the three spellings the hosting package reads (raw 32 bytes, 64 hex digits, base64), so a
/// key made by <c>zamsync keygen</c>, <c>openssl rand -hex 32</c> or <c>head -c 32 /dev/urandom</c> opens the same log;
/// <c>keygen</c> writes 64 hex digits and a newline, readable by people and by every one of those readers.
/// </summary>
internal static class KeyFile
{
    public const int KeyBytes = 32;

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static byte[] Read(string path)
    {
        byte[] contents;
        try
        {
            contents = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ToolFailure($"cannot read the key file '{path}': {ex.Message}");
        }
        if (contents.Length == KeyBytes) return contents;
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(contents).Trim();
        }
        catch (DecoderFallbackException)
        {
            text = "";
        }
        if (text.Length == 2 * KeyBytes && text.All(Uri.IsHexDigit)) return Convert.FromHexString(text);
        var buffer = new byte[KeyBytes + 3];
        if (Convert.TryFromBase64String(text, buffer, out int written) && written == KeyBytes) return buffer[..KeyBytes];
        throw new ToolFailure(string.Create(CultureInfo.InvariantCulture,
            $"the key file '{path}' holds {contents.Length} bytes that are not a 32-byte key (raw 32 bytes, 64 hex digits or base64)"));
    }

    /// <summary>Writes a new key to <paramref name="path"/>, readable by its owner only; refuses an existing file.</summary>
    public static void WriteNew(string path, ReadOnlySpan<byte> key)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        // Created 0600, never widened for a moment: the mode is set by open(2) itself, not after the key is written.
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnly;
        FileStream file;
        try
        {
            file = new FileStream(path, options);
        }
        catch (IOException) when (File.Exists(path) || Directory.Exists(path))
        {
            throw new ToolFailure($"'{path}' already exists: zamsync keygen never overwrites a key (a lost key loses the data it encrypts). Choose another path, or move the old key away first.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ToolFailure($"cannot create the key file '{path}': {ex.Message}");
        }
        using (file)
        {
            // umask may narrow the mode further, never widen it; set it exactly, as the file's owner only.
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(file.SafeFileHandle, OwnerOnly);
            var text = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(key) + "\n");
            file.Write(text);
            file.Flush(flushToDisk: true);
            CryptographicOperations.ZeroMemory(text);
        }
    }
}

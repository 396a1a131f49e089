using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Clinic.Node;

/// <summary>
/// Reads and writes the files in a node's <c>tls/</c> folder. A file that cannot be read is named in the error
/// with what is wrong with it; private keys are written readable by their owner only (0600), atomically, so a
/// crash never leaves half a key behind.
/// </summary>
internal static class KeyFiles
{
    // Windows HRESULTs the PKCS#12 loader also uses on Unix: a MAC that does not verify (wrong or missing passphrase,
    // or damaged contents) and ASN.1 that does not parse (empty, truncated, not PKCS#12 at all).
    private const int BadPassword = unchecked((int)0x80070056);

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>A certificate with its private key from a PKCS#12 file.</summary>
    /// <param name="passphrase">Null for a file written without one.</param>
    /// <param name="passphraseHint">What to say when the file needs a passphrase that was not given, or a wrong one.</param>
    public static X509Certificate2 LoadPkcs12(string path, string? passphrase = null, string? passphraseHint = null)
    {
        byte[] bytes = ReadAll(path);
        X509Certificate2 loaded;
        try
        {
            loaded = X509CertificateLoader.LoadPkcs12(bytes, passphrase);
        }
        catch (CryptographicException ex) when (ex.HResult == BadPassword && passphraseHint is not null)
        {
            throw new UserError(passphrase is null
                ? $"{path} is protected by a passphrase: {passphraseHint}."
                : $"{path}: the passphrase is wrong (or the file is damaged).");
        }
        catch (CryptographicException ex)
        {
            string why = ex.HResult == BadPassword ? "damaged, or protected by a passphrase" : bytes.Length == 0 ? "the file is empty" : "damaged or truncated";
            throw new UserError($"{path}: not a valid PKCS#12 key file ({why}).");
        }
        if (loaded.HasPrivateKey) return loaded;
        loaded.Dispose();
        throw new UserError($"{path}: holds a certificate but not its private key (export it again with the key).");
    }

    /// <summary>A certificate (no key) from a PEM file.</summary>
    public static X509Certificate2 LoadPemCertificate(string path)
    {
        string text = System.Text.Encoding.UTF8.GetString(ReadAll(path));
        try
        {
            return X509Certificate2.CreateFromPem(text);
        }
        catch (CryptographicException)
        {
            string why = text.Length == 0 ? "the file is empty" : "no complete -----BEGIN CERTIFICATE----- block";
            throw new UserError($"{path}: not a valid PEM certificate ({why}).");
        }
    }

    /// <summary>A text file (PEM) that must exist and hold something; <paramref name="what"/> names it in the error.</summary>
    public static string ReadText(string path, string what)
    {
        string text = System.Text.Encoding.UTF8.GetString(ReadAll(path));
        return text.Trim().Length > 0 ? text : throw new UserError($"{path}: empty, expected {what}.");
    }

    /// <summary>Writes a private key file with mode 0600 (on Unix), replacing any earlier one atomically.</summary>
    public static void WritePrivate(string path, ReadOnlySpan<byte> bytes)
    {
        string temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnly;
        using (var file = new FileStream(temporary, options))
        {
            // A left-over temporary from a crash keeps its old mode when reopened: set it, do not trust it.
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(file.SafeFileHandle, OwnerOnly);
            file.Write(bytes);
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Writes a public file (a certificate, a request), replacing any earlier one atomically.</summary>
    public static void WritePublic(string path, string text)
    {
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Creates the <c>tls/</c> folder readable by its owner only.</summary>
    public static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(path);
        else Directory.CreateDirectory(path, OwnerOnly | UnixFileMode.UserExecute);
    }

    private static byte[] ReadAll(string path)
    {
        if (!File.Exists(path)) throw new UserError($"{path}: no such file.");
        return File.ReadAllBytes(path);
    }
}

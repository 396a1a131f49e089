using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ZamSync.Net.Tls;

namespace ZamSync.Hosting.Replication;

/// <summary>Mutual TLS from the files an operator's directory holds: the node's PKCS#12 and the CA's certificate.</summary>
internal static class ReplicatorTls
{
    /// <summary>The TLS options, or null with <paramref name="problem"/> naming the option and the file.</summary>
    public static TlsOptions? TryLoad(ZamReplicatorOptions o, string section, out string? problem, TimeProvider? time = null)
    {
        foreach (var (key, path) in new[] { ("CertificateFile", o.CertificateFile!), ("AuthorityFile", o.AuthorityFile!) })
        {
            if (File.Exists(path)) continue;
            problem = $"{section}:{key}: '{path}' does not exist.";
            return null;
        }
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(o.CertificateFile!, o.CertificatePassword);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            problem = $"{section}:CertificateFile: '{o.CertificateFile}' is not a readable PKCS#12 certificate with its key ({ex.Message}).";
            return null;
        }
        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            problem = $"{section}:CertificateFile: '{o.CertificateFile}' holds no private key.";
            return null;
        }
        X509Certificate2 authority;
        try
        {
            authority = LoadAuthority(o.AuthorityFile!);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            certificate.Dispose();
            problem = $"{section}:AuthorityFile: '{o.AuthorityFile}' is not a readable certificate (PEM or DER) ({ex.Message}).";
            return null;
        }
        problem = null;
        return new TlsOptions
        {
            Certificate = certificate,
            Authority = authority,
            RevokedSerials = new HashSet<string>(o.RevokedSerials ?? [], StringComparer.OrdinalIgnoreCase),
            TimeProvider = time ?? TimeProvider.System,
        };
    }

    private static X509Certificate2 LoadAuthority(string path)
    {
        var bytes = File.ReadAllBytes(path);
        // A PEM file starts with its armour line; anything else is taken as DER.
        return bytes.AsSpan().IndexOf("-----BEGIN"u8) >= 0
            ? X509Certificate2.CreateFromPem(System.Text.Encoding.ASCII.GetString(bytes))
            : X509CertificateLoader.LoadCertificate(bytes);
    }
}

using System.Security.Cryptography.X509Certificates;
using ZamSync;
using ZamSync.Net.Tls;

namespace ClinicApp.Hub.Deployment;

/// <summary>
/// The deployment's certificate folder, kept by the hub: on the first start it creates the CA (<c>ca.crt</c>, and its
/// key in <c>ca.pfx</c>) and the hub's certificate; on every start it issues <c>node-&lt;id&gt;.pfx</c> for each
/// configured node that has none yet. Private keys are written readable by this user only (0600, folder 0700).
/// This keeps a first deployment to one command; in production keep the CA's key off the hub and enrol nodes with
/// signing requests instead (ZamPki.CreateSigningRequest / IssueForRequest).
/// </summary>
public sealed class DeploymentCertificates(DeploymentOptions options, NodeId hub)
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private string Folder => Path.GetFullPath(options.TlsFolder);
    private string AuthorityCertificate => Path.Combine(Folder, "ca.crt");
    private string AuthorityKey => Path.Combine(Folder, "ca.pfx");
    private string HubCertificate => Path.Combine(Folder, "hub.pfx");

    /// <summary>The certificate file a node enrolled here uses.</summary>
    public string NodeCertificate(ulong node) => Path.Combine(Folder, $"node-{node}.pfx");

    /// <summary>Creates what is missing, says what it created, and returns the hub's mutual TLS options.</summary>
    public TlsOptions Prepare(TextWriter report)
    {
        CreateFolder();
        using var authority = LoadOrCreateAuthority(report);
        if (!File.Exists(HubCertificate))
        {
            using var issued = ZamPki.IssueCertificate(authority, hub, NodeRole.Hub);
            WritePrivate(HubCertificate, issued.Export(X509ContentType.Pkcs12));
            report.WriteLine($"issued the hub's certificate (node {hub}): {HubCertificate}");
        }
        foreach (var node in options.Nodes.Distinct())
        {
            string file = NodeCertificate(node);
            if (File.Exists(file)) continue;
            using var issued = ZamPki.IssueCertificate(authority, new NodeId(node), NodeRole.Node);
            WritePrivate(file, issued.Export(X509ContentType.Pkcs12));
            report.WriteLine($"issued node {node}'s certificate: {file}");
        }
        return new TlsOptions
        {
            Certificate = X509CertificateLoader.LoadPkcs12FromFile(HubCertificate, null),
            // Only the public certificate is kept for checking peers; the CA's key stays in its file.
            Authority = X509CertificateLoader.LoadCertificate(authority.RawData),
        };
    }

    private X509Certificate2 LoadOrCreateAuthority(TextWriter report)
    {
        if (File.Exists(AuthorityKey)) return X509CertificateLoader.LoadPkcs12FromFile(AuthorityKey, null);
        var authority = ZamPki.CreateAuthority(options.Name);
        WritePrivate(AuthorityKey, authority.Export(X509ContentType.Pkcs12));
        File.WriteAllText(AuthorityCertificate, authority.ExportCertificatePem());
        report.WriteLine($"created the deployment CA: {AuthorityCertificate} (its key: {AuthorityKey})");
        return authority;
    }

    private void CreateFolder()
    {
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(Folder);
        else Directory.CreateDirectory(Folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static void WritePrivate(string path, byte[] bytes)
    {
        // Created with its final mode, so the key is never readable by others, even briefly.
        var file = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) file.UnixCreateMode = OwnerOnly;
        using var stream = new FileStream(path, file);
        stream.Write(bytes);
    }
}

using System.Security.Cryptography.X509Certificates;
using ZamSync.Net.Tls;

namespace ZamSync.Hosting.Tests.Support;

/// <summary>
/// A deployment's certificates for a test: a CA, the hub's certificate, and a clinic's certificate and the CA written
/// to files the way an operator's directory holds them (<c>node.pfx</c>, <c>ca.crt</c>).
/// </summary>
public sealed class TestPki : IDisposable
{
    private readonly X509Certificate2 _ca = ZamPki.CreateAuthority("hosting-tests");

    public TlsOptions Hub(NodeId hub) => new()
    {
        Certificate = ZamPki.IssueCertificate(_ca, hub, NodeRole.Hub),
        Authority = _ca,
        HandshakeTimeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>Writes <paramref name="node"/>'s certificate and the CA into <paramref name="directory"/>; returns both paths.</summary>
    public (string Certificate, string Authority) WriteNodeFiles(string directory, NodeId node)
    {
        Directory.CreateDirectory(directory);
        string certificate = Path.Combine(directory, "node.pfx"), authority = Path.Combine(directory, "ca.crt");
        using var issued = ZamPki.IssueCertificate(_ca, node, NodeRole.Node);
        File.WriteAllBytes(certificate, issued.Export(X509ContentType.Pkcs12));
        File.WriteAllText(authority, _ca.ExportCertificatePem());
        return (certificate, authority);
    }

    public void Dispose() => _ca.Dispose();
}

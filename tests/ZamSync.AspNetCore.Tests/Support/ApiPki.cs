using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using ZamSync.Net.Tls;

namespace ZamSync.AspNetCore.Tests.Support;

/// <summary>A deployment's CA and certificates for the API tests: the hub's (server), clinics' and a coordinator's.</summary>
public sealed class ApiPki : IDisposable
{
    private readonly List<X509Certificate2> _issued = [];

    public X509Certificate2 Authority { get; } = ZamPki.CreateAuthority("aspnetcore-tests");

    public X509Certificate2 Issue(NodeId node, NodeRole role)
    {
        var certificate = ZamPki.IssueCertificate(Authority, node, role);
        _issued.Add(certificate);
        return certificate;
    }

    public TlsOptions Hub(NodeId hub) => new() { Certificate = Issue(hub, NodeRole.Hub), Authority = Authority };

    /// <summary>Accepts the server only if its certificate chains to this deployment's CA alone.</summary>
    public bool ValidateServer(X509Certificate? certificate)
    {
        if (certificate is null) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var server = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(server);
    }

    public RemoteCertificateValidationCallback ServerValidation => (_, certificate, _, _) => ValidateServer(certificate);

    public void Dispose()
    {
        foreach (var c in _issued) c.Dispose();
        Authority.Dispose();
    }
}

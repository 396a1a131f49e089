using System.Security.Authentication;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using ZamSync.AspNetCore.Authentication;
using ZamSync.Net.Tls;

namespace Microsoft.AspNetCore.Server.Kestrel.Core;

/// <summary>HTTPS with the deployment's certificates on a Kestrel endpoint.</summary>
public static class ZamSyncTlsListenOptionsExtensions
{
    /// <summary>
    /// Serves HTTPS with <paramref name="tls"/>'s certificate and asks for a client certificate, which, when given, must
    /// chain to the deployment CA alone, be valid now, not revoked, and name a node and role (the same checks as a sync
    /// connection). A client without a certificate may still connect and use a bearer token.
    /// </summary>
    public static ListenOptions UseZamSyncTls(this ListenOptions listen, TlsOptions tls)
    {
        ArgumentNullException.ThrowIfNull(listen);
        ArgumentNullException.ThrowIfNull(tls);
        return listen.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = tls.Certificate,
            ClientCertificateMode = ClientCertificateMode.AllowCertificate,
            SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            // Revocation is the deployment's own list (TlsOptions.RevokedSerials), checked by the validator.
            CheckCertificateRevocation = false,
            // The platform's chain errors are about the system roots, which this deployment does not use: the
            // validator builds its own chain with the deployment CA as the only root.
            ClientCertificateValidation = (certificate, _, _) =>
                new PeerCertificateValidator(tls).Validate(certificate, asHub: false, forSync: false) is not null,
        });
    }
}

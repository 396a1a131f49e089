using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using ZamSync.Sync;

namespace ZamSync.Net.Tls;

/// <summary>Both ends of the mutual TLS handshake, each checking the other's certificate with the deployment CA.</summary>
internal static class TlsHandshake
{
    /// <summary>
    /// Accepts a client: returns the TLS stream and the node id its certificate proves. Pass a
    /// <paramref name="validator"/> to learn afterwards who a refused client claimed to be.
    /// </summary>
    public static async Task<(Stream Stream, NodeId Node)> AsServerAsync(Stream inner, TlsOptions tls, CancellationToken cancellationToken, PeerCertificateValidator? validator = null)
    {
        validator ??= new PeerCertificateValidator(tls);
        NodeId proven = default;
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(tls.HandshakeTimeout);
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = SslStreamCertificateContext.Create(tls.Certificate, additionalCertificates: null, offline: true),
                ClientCertificateRequired = true,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    if (validator.Validate(certificate, asHub: false) is not { } identity) return false;
                    proven = identity.Node;
                    return true;
                },
            }, deadline.Token).ConfigureAwait(false);
            return (ssl, proven);
        }
        catch (AuthenticationException ex)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new SyncRefusedException($"TLS handshake refused: {validator.LastRefusal ?? ex.Message}.", RefuseReason.CertificateRefused);
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Connects to a hub that must prove it is <paramref name="expectedHub"/>.</summary>
    public static async Task<Stream> AsClientAsync(Stream inner, TlsOptions tls, NodeId expectedHub, CancellationToken cancellationToken)
    {
        var validator = new PeerCertificateValidator(tls);
        string? mismatch = null;
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(tls.HandshakeTimeout);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                // Identity is the node id in the certificate, not a DNS name: clinics reach hubs by IP as often as by name.
                TargetHost = "zamsync-hub",
                ClientCertificateContext = SslStreamCertificateContext.Create(tls.Certificate, additionalCertificates: null, offline: true),
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    if (validator.Validate(certificate, asHub: true) is not { } identity) return false;
                    if (identity.Node == expectedHub) return true;
                    mismatch = $"expected hub {expectedHub}, but the certificate is for node {identity.Node}";
                    return false;
                },
            }, deadline.Token).ConfigureAwait(false);
            return ssl;
        }
        catch (AuthenticationException ex)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new SyncRefusedException($"TLS handshake refused: {mismatch ?? validator.LastRefusal ?? ex.Message}.", RefuseReason.CertificateRefused);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new SyncTimeoutException($"The TLS handshake with hub {expectedHub} took longer than {tls.HandshakeTimeout}.", ex);
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}

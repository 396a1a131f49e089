using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ZamSync.Net.Tls;

/// <summary>
/// Decides whether a peer's certificate proves who it says: chains to the deployment CA alone, is within its
/// validity, is not revoked, carries the usage for its role, and names a node id. Records why it refused, so
/// the error a user sees says what was wrong.
/// </summary>
internal sealed class PeerCertificateValidator(X509Certificate2 authority, IReadOnlySet<string> revokedSerials, TimeProvider time)
{
    public PeerCertificateValidator(TlsOptions options) : this(options.Authority, options.RevokedSerials, options.TimeProvider)
    {
    }

    public string? LastRefusal { get; private set; }

    /// <summary>
    /// Who the last certificate claims to be, valid or not (its node id and role when it names them, its subject,
    /// serial and issuer), so a refused connection's log line says who tried; null before any certificate was presented.
    /// </summary>
    public string? LastClaim { get; private set; }

    /// <summary>
    /// Validates the certificate of a peer that accepts connections (<paramref name="asHub"/>: it must be a hub
    /// with server authentication) or that connects (client authentication, any role). A coordinator's certificate is
    /// refused for a sync session (<paramref name="forSync"/>) and accepted only where it reads, as by the HTTP API.
    /// </summary>
    public (NodeId Node, NodeRole Role)? Validate(X509Certificate? certificate, bool asHub, bool forSync = true)
    {
        LastRefusal = null;
        LastClaim = null;
        if (certificate is null)
        {
            LastClaim = "no certificate";
            return Refuse("the peer presented no certificate");
        }
        using var peer = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        LastClaim = ZamPki.ReadIdentity(peer) is { } claimed
            ? $"node {claimed.Node} as {claimed.Role.ToString().ToLowerInvariant()} (certificate '{peer.Subject}', serial {peer.SerialNumber}, issued by '{peer.Issuer}')"
            : $"certificate '{peer.Subject}', serial {peer.SerialNumber}, issued by '{peer.Issuer}'";
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.Add(authority);
        // Revocation is checked below against the deployment's own list: nodes are often offline, and a CRL
        // or OCSP fetch would fail exactly when a clinic most needs to sync.
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.ApplicationPolicy.Add(new Oid(asHub ? ZamPki.ServerAuthOid : ZamPki.ClientAuthOid));
        policy.VerificationTime = time.GetUtcNow().UtcDateTime;
        policy.VerificationTimeIgnored = false;
        if (!chain.Build(peer))
        {
            var flags = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
            string whose = asHub ? "the hub's" : "the connecting node's";
            return Refuse($"{whose} certificate '{peer.Subject}' {Explain(flags, peer)} (chain status: {flags})");
        }
        if (revokedSerials.Contains(peer.SerialNumber))
            return Refuse($"certificate {peer.SerialNumber} of '{peer.Subject}' is revoked");
        var identity = ZamPki.ReadIdentity(peer);
        if (identity is null) return Refuse($"certificate '{peer.Subject}' names no ZamSync node");
        if (asHub && identity.Value.Role != NodeRole.Hub)
            return Refuse($"node {identity.Value.Node} answered as a hub with a certificate for a {identity.Value.Role.ToString().ToLowerInvariant()}");
        if (forSync && identity.Value.Role == NodeRole.Coordinator)
            return Refuse($"certificate '{peer.Subject}' is a coordinator's: it may read the HTTP API but not sync");
        return identity;
    }

    /// <summary>The chain problems in words: the status flags alone ("PartialChain") tell an operator nothing.</summary>
    private static string Explain(X509ChainStatusFlags flags, X509Certificate2 peer)
    {
        if ((flags & (X509ChainStatusFlags.PartialChain | X509ChainStatusFlags.UntrustedRoot)) != 0)
            return "was not issued by this node's deployment CA (it belongs to another deployment, or this node trusts the wrong CA)";
        if ((flags & X509ChainStatusFlags.NotSignatureValid) != 0)
            return "carries a signature that does not verify against the deployment CA (damaged or forged)";
        if ((flags & X509ChainStatusFlags.NotTimeValid) != 0)
            return $"is outside its validity ({peer.NotBefore.ToUniversalTime():yyyy-MM-dd} to {peer.NotAfter.ToUniversalTime():yyyy-MM-dd} UTC): renew it, or check this machine's clock";
        if ((flags & (X509ChainStatusFlags.NotValidForUsage | X509ChainStatusFlags.InvalidExtension)) != 0)
            return "is not issued for this use (a node certificate where a hub's is needed, or the reverse)";
        return "does not validate against the deployment CA";
    }

    private (NodeId, NodeRole)? Refuse(string why)
    {
        LastRefusal = why;
        return null;
    }
}

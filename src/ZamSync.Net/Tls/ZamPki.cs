using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ZamSync.Net.Tls;

/// <summary>
/// A deployment's certificates: one CA (kept on the hub, or offline) that issues every node's certificate.
/// A node certificate names its node id (subject <c>CN</c>) and its role (subject <c>OU</c>), so a peer's
/// identity is proven by the TLS handshake rather than claimed in a message. ECDSA P-256 throughout.
/// </summary>
public static class ZamPki
{
    internal const string ServerAuthOid = "1.3.6.1.5.5.7.3.1", ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    /// <summary>Creates a deployment CA, valid from now for <paramref name="validity"/> (10 years by default).</summary>
    public static X509Certificate2 CreateAuthority(string deployment, TimeSpan? validity = null, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(deployment);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN=ZamSync CA, O={Escape(deployment)}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = (time ?? TimeProvider.System).GetUtcNow();
        return request.CreateSelfSigned(now.AddMinutes(-5), now + (validity ?? TimeSpan.FromDays(3650)));
    }

    /// <summary>
    /// Issues a certificate for <paramref name="node"/> in <paramref name="role"/>, signed by
    /// <paramref name="authority"/> (which must hold its private key), valid for <paramref name="validity"/>
    /// (2 years by default) and never beyond the authority. Each certificate gets a random 128-bit serial.
    /// </summary>
    public static X509Certificate2 IssueCertificate(X509Certificate2 authority, NodeId node, NodeRole role,
        TimeSpan? validity = null, TimeProvider? time = null, DateTimeOffset? notBefore = null)
    {
        ArgumentNullException.ThrowIfNull(authority);
        if (node.IsEmpty) throw new ArgumentException("A certificate needs a non-zero node id.", nameof(node));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var issued = Issue(authority, new CertificateRequest(SubjectOf(node, role), key, HashAlgorithmName.SHA256), role, validity, time, notBefore);
        // Attach the private key, and round-trip through PKCS#12 so SslStream can use the key on every platform.
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>
    /// A certificate signing request (PKCS#10, PEM) for <paramref name="node"/> in <paramref name="role"/>, signed with
    /// <paramref name="key"/>: the node keeps its private key and sends only this to whoever holds the CA.
    /// </summary>
    public static string CreateSigningRequest(ECDsa key, NodeId node, NodeRole role)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (node.IsEmpty) throw new ArgumentException("A certificate needs a non-zero node id.", nameof(node));
        return new CertificateRequest(SubjectOf(node, role), key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
    }

    /// <summary>
    /// Reads a PEM signing request made by <see cref="CreateSigningRequest"/>, checking its signature (so the sender
    /// holds the key it asks a certificate for), and the node id and role it asks for (null if it names none).
    /// </summary>
    /// <exception cref="CryptographicException">Not a PEM certificate request, or its signature does not verify.</exception>
    public static (CertificateRequest Request, (NodeId Node, NodeRole Role)? Identity) ReadSigningRequest(string pem)
    {
        var request = CertificateRequest.LoadSigningRequestPem(pem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default);
        return (request, ReadIdentity(request.SubjectName));
    }

    /// <summary>
    /// Issues a certificate for the key in <paramref name="request"/> (from <see cref="ReadSigningRequest"/>), for
    /// <paramref name="node"/> in <paramref name="role"/> as the CA's operator decided: the request's own subject and
    /// extensions are not copied, only its public key. The result holds no private key (the node has it).
    /// </summary>
    public static X509Certificate2 IssueForRequest(X509Certificate2 authority, CertificateRequest request, NodeId node, NodeRole role,
        TimeSpan? validity = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(authority);
        ArgumentNullException.ThrowIfNull(request);
        if (node.IsEmpty) throw new ArgumentException("A certificate needs a non-zero node id.", nameof(node));
        if (request.PublicKey.Oid.Value != "1.2.840.10045.2.1")
            throw new ArgumentException("The request's key is not an ECDSA key; ZamSync certificates use ECDSA P-256.", nameof(request));
        return Issue(authority, new CertificateRequest(SubjectOf(node, role), request.PublicKey, HashAlgorithmName.SHA256), role, validity, time, notBefore: null);
    }

    private static X500DistinguishedName SubjectOf(NodeId node, NodeRole role) =>
        new($"CN={node.ToString(null, CultureInfo.InvariantCulture)}, OU={role.ToString().ToLowerInvariant()}, O=ZamSync");

    private static X509Certificate2 Issue(X509Certificate2 authority, CertificateRequest request, NodeRole role,
        TimeSpan? validity, TimeProvider? time, DateTimeOffset? notBefore)
    {
        using var caKey = authority.GetECDsaPrivateKey() ?? throw new ArgumentException("The authority certificate has no private key.", nameof(authority));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        var usages = new OidCollection { new Oid(ClientAuthOid) };
        if (role == NodeRole.Hub) usages.Add(new Oid(ServerAuthOid));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, true, false));

        var now = (time ?? TimeProvider.System).GetUtcNow();
        var from = notBefore ?? now.AddMinutes(-5);
        var until = from + (validity ?? TimeSpan.FromDays(730));
        if (until > authority.NotAfter) until = authority.NotAfter;
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // a positive integer
        return request.Create(authority.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), from, until, serial);
    }

    /// <summary>The node id and role a certificate was issued for, or null if it names none.</summary>
    public static (NodeId Node, NodeRole Role)? ReadIdentity(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return ReadIdentity(certificate.SubjectName);
    }

    private static (NodeId Node, NodeRole Role)? ReadIdentity(X500DistinguishedName subject)
    {
        string? cn = null, ou = null;
        foreach (var rdn in subject.EnumerateRelativeDistinguishedNames())
        {
            var oid = rdn.GetSingleElementType().Value;
            if (oid == "2.5.4.3") cn = rdn.GetSingleElementValue();
            else if (oid == "2.5.4.11") ou = rdn.GetSingleElementValue();
        }
        if (!NodeId.TryParse(cn, CultureInfo.InvariantCulture, out var node)) return null;
        NodeRole? role = ou switch { "hub" => NodeRole.Hub, "node" => NodeRole.Node, "coordinator" => NodeRole.Coordinator, _ => null };
        return role is { } r ? (node, r) : null;
    }

    private static string Escape(string value) => "\"" + value.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ZamSync;
using ZamSync.Net.Tls;

namespace Clinic.Node;

/// <summary>
/// Getting a clinic its certificate without the CA leaving the hub: the clinic makes a key and a request
/// (<see cref="Request"/>), the hub signs the request (<see cref="Sign"/>), the clinic checks and installs the
/// certificate (<see cref="Install"/>). Only the request and the certificate travel, and neither is secret.
/// </summary>
internal static class Enrolment
{
    /// <summary>
    /// Writes the clinic's key (tls/node.key, 0600) and a request naming its node id into <paramref name="requestPath"/>.
    /// A key already waiting for its certificate is reused, so asking twice does not strand the first request.
    /// </summary>
    public static bool Request(NodeDirectory clinic, string requestPath)
    {
        var config = clinic.Config;
        if (config.Kind == NodeKind.Hub) throw new UserError($"'{clinic.Path}' is a hub: its certificate comes from its own CA at `init --hub`.");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        bool reused = File.Exists(clinic.PendingKey);
        if (reused) key.ImportFromPem(KeyFiles.ReadText(clinic.PendingKey, "a PEM private key"));
        else
        {
            KeyFiles.CreatePrivateDirectory(clinic.TlsFolder);
            KeyFiles.WritePrivate(clinic.PendingKey, System.Text.Encoding.ASCII.GetBytes(key.ExportPkcs8PrivateKeyPem()));
        }
        KeyFiles.WritePublic(requestPath, ZamPki.CreateSigningRequest(key, new NodeId(config.NodeId), NodeRole.Node));
        return reused;
    }

    /// <summary>Run on the hub: issues a node certificate for the request in <paramref name="requestPath"/>, which must ask for <paramref name="node"/>.</summary>
    public static X509Certificate2 Sign(NodeDirectory hub, string? passphrase, string requestPath, NodeId node, string certificatePath)
    {
        var hubConfig = hub.Config;
        if (node.Value == hubConfig.NodeId) throw new UserError($"node {node} is this hub's own id: a clinic needs an id of its own.");
        string pem = KeyFiles.ReadText(requestPath, "a certificate request");
        CertificateRequest request;
        (NodeId Node, NodeRole Role)? asked;
        try
        {
            (request, asked) = ZamPki.ReadSigningRequest(pem);
        }
        catch (CryptographicException)
        {
            throw new UserError($"{requestPath}: not a valid certificate request (damaged, or its signature does not verify).");
        }
        if (asked is not { } identity) throw new UserError($"{requestPath}: the request names no ZamSync node (subject '{request.SubjectName.Name}').");
        if (identity.Node != node || identity.Role != NodeRole.Node)
            throw new UserError($"{requestPath} asks for node {identity.Node} as a {identity.Role.ToString().ToLowerInvariant()}, but --node says {node}: nothing was signed.");
        using var ca = hub.LoadAuthority(passphrase);
        var issued = ZamPki.IssueForRequest(ca, request, node, NodeRole.Node);
        KeyFiles.WritePublic(certificatePath, issued.ExportCertificatePem());
        return issued;
    }

    /// <summary>
    /// Run on the clinic: checks that the certificate is for this clinic's node id, was issued by the CA in
    /// <paramref name="caPath"/>, and matches the key made by <see cref="Request"/>; then installs both.
    /// </summary>
    public static X509Certificate2 Install(NodeDirectory clinic, string certificatePath, string caPath)
    {
        var config = clinic.Config;
        if (!File.Exists(clinic.PendingKey))
            throw new UserError($"'{clinic.Path}' has no key waiting for a certificate ({clinic.PendingKey}): run `request --dir {clinic.Path}` first.");
        using var certificate = KeyFiles.LoadPemCertificate(certificatePath);
        using var authority = KeyFiles.LoadPemCertificate(caPath);

        var identity = ZamPki.ReadIdentity(certificate);
        if (identity is not { } id) throw new UserError($"{certificatePath} names no ZamSync node (subject '{certificate.Subject}').");
        if (id.Node.Value != config.NodeId || id.Role != NodeRole.Node)
            throw new UserError($"{certificatePath} is for node {id.Node} as a {id.Role.ToString().ToLowerInvariant()}, but this clinic is node {config.NodeId}: not installed.");
        if (IssuedBy(certificate, authority) is { } problem)
            throw new UserError($"{certificatePath} was not issued by the CA in {caPath} ({problem}): not installed.");

        using var key = ECDsa.Create();
        key.ImportFromPem(KeyFiles.ReadText(clinic.PendingKey, "a PEM private key"));
        using var certificateKey = certificate.GetECDsaPublicKey();
        if (certificateKey is null || !certificateKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
            throw new UserError($"{certificatePath} does not match this clinic's key ({clinic.PendingKey}): it was signed for another request. Not installed.");

        using var withKey = certificate.CopyWithPrivateKey(key);
        KeyFiles.WritePrivate(clinic.NodeCertificate, withKey.Export(X509ContentType.Pkcs12));
        KeyFiles.WritePublic(clinic.CaCertificate, authority.ExportCertificatePem());
        File.Delete(clinic.PendingKey); // the key lives on in node.pfx; one copy of a secret is enough
        return X509CertificateLoader.LoadCertificate(certificate.RawData);
    }

    /// <summary>Null when <paramref name="certificate"/> chains to <paramref name="authority"/> alone and is valid now; otherwise why not.</summary>
    private static string? IssuedBy(X509Certificate2 certificate, X509Certificate2 authority)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck; // the deployment's revocation list is the hub's business
        if (chain.Build(certificate)) return null;
        var flags = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
        if ((flags & (X509ChainStatusFlags.PartialChain | X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.NotSignatureValid)) != 0)
            return "another CA signed it";
        if ((flags & X509ChainStatusFlags.NotTimeValid) != 0)
            return $"it is valid only from {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd} to {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd} UTC";
        return $"chain status: {flags}";
    }
}

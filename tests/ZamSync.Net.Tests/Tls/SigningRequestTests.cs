using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ZamSync.Net.Tls;

namespace ZamSync.Net.Tests.Tls;

/// <summary>A node's key stays with the node: the CA issues from a signing request and the result pairs with that key.</summary>
public sealed class SigningRequestTests : IDisposable
{
    private readonly X509Certificate2 _ca = ZamPki.CreateAuthority("district-test");

    public void Dispose() => _ca.Dispose();

    [Fact]
    public void A_certificate_issued_from_a_request_names_the_node_and_pairs_with_the_requesters_key()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string pem = ZamPki.CreateSigningRequest(key, new NodeId(7), NodeRole.Node);

        var (request, asked) = ZamPki.ReadSigningRequest(pem);
        Assert.Equal((new NodeId(7), NodeRole.Node), asked);

        using var issued = ZamPki.IssueForRequest(_ca, request, new NodeId(7), NodeRole.Node);
        Assert.False(issued.HasPrivateKey);
        Assert.Equal((new NodeId(7), NodeRole.Node), ZamPki.ReadIdentity(issued));
        Assert.Equal(_ca.SubjectName.Name, issued.IssuerName.Name);
        using var paired = issued.CopyWithPrivateKey(key); // throws if the public key is not the requester's

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.2"));
        Assert.True(chain.Build(issued));
    }

    [Fact]
    public void The_operator_decides_the_identity_not_the_request()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var (request, _) = ZamPki.ReadSigningRequest(ZamPki.CreateSigningRequest(key, new NodeId(7), NodeRole.Hub));

        using var issued = ZamPki.IssueForRequest(_ca, request, new NodeId(7), NodeRole.Node);

        Assert.Equal((new NodeId(7), NodeRole.Node), ZamPki.ReadIdentity(issued));
        var usages = issued.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value);
        Assert.Equal(["1.3.6.1.5.5.7.3.2"], usages); // client authentication only: a node cannot serve as a hub
    }

    [Fact]
    public void A_request_whose_signature_does_not_verify_is_refused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string pem = ZamPki.CreateSigningRequest(key, new NodeId(7), NodeRole.Node);
        byte[] der = PemEncoding.Find(pem) is var fields ? Convert.FromBase64String(pem[fields.Base64Data]) : [];
        der[^1] ^= 0x01; // the last byte of the signature

        Assert.ThrowsAny<CryptographicException>(() => ZamPki.ReadSigningRequest(PemEncoding.WriteString("CERTIFICATE REQUEST", der)));
    }
}

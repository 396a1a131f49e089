using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Clinic.Contracts;
using ZamSync;
using ZamSync.Net.Tls;

namespace Clinic.Node;

/// <summary>
/// A node's directory: <c>node.json</c>, the ZamSync data (log, peers, snapshot) and <c>tls/</c> with the node's
/// certificate and the deployment CA. The hub's <c>tls/</c> also holds the CA's private key (<c>ca.pfx</c>).
/// </summary>
public sealed class NodeDirectory(string path)
{
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <summary>The certificates and keys; mode 0700, and every private key in it 0600.</summary>
    public string TlsFolder => System.IO.Path.Combine(Path, "tls");
    public string CaCertificate => System.IO.Path.Combine(TlsFolder, "ca.crt");
    public string CaKey => System.IO.Path.Combine(TlsFolder, "ca.pfx");
    public string NodeCertificate => System.IO.Path.Combine(TlsFolder, "node.pfx");

    /// <summary>The key made by <c>request</c>, waiting for its certificate (moved into node.pfx by <c>install</c>).</summary>
    public string PendingKey => System.IO.Path.Combine(TlsFolder, "node.key");

    /// <summary>Where <c>request</c> writes the certificate request unless told otherwise.</summary>
    public string DefaultRequest => System.IO.Path.Combine(TlsFolder, $"node-{Config.NodeId}.csr");

    public NodeConfig Config => NodeConfig.Load(Path);

    private string LastSyncFile => System.IO.Path.Combine(Path, "last-sync.txt");

    /// <summary>Remembers the last successful sync, for <c>status</c>.</summary>
    public void RecordSync(string summary) =>
        File.WriteAllText(LastSyncFile, $"{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss} UTC: {summary}");

    /// <summary>The last successful sync, or null if this node never synced.</summary>
    public string? LastSync => File.Exists(LastSyncFile) ? File.ReadAllText(LastSyncFile) : null;

    public bool HasCertificate => File.Exists(NodeCertificate) && File.Exists(CaCertificate);

    /// <summary>Engine options for every node: the contract (fingerprint and schema) comes from the generator.</summary>
    public static ZamEngineOptions EngineOptions => new();

    /// <summary>This node's options: <see cref="EngineOptions"/>, with its data key when it is encrypted at rest.</summary>
    public ZamEngineOptions NodeOptions => Config.DataKeyFile is { } key ? EngineOptions with { Wal = DataKey.Options(key) } : EngineOptions;

    public Task<ZamEngine<ClinicNetworkState>> OpenAsync(CancellationToken cancellationToken = default) =>
        ZamEngine<ClinicNetworkState>.OpenAsync(Path, new NodeId(Config.NodeId), NodeOptions, cancellationToken);

    /// <summary>Opens the engine logging to <paramref name="log"/> (the long-running commands).</summary>
    public Task<ZamEngine<ClinicNetworkState>> OpenAsync(Microsoft.Extensions.Logging.ILoggerFactory log, CancellationToken cancellationToken) =>
        ZamEngine<ClinicNetworkState>.OpenAsync(Path, new NodeId(Config.NodeId), NodeOptions with { LoggerFactory = log }, cancellationToken);

    /// <summary>
    /// Opens the directory as a relay hub logging to <paramref name="log"/>: it stores and forwards every clinic's
    /// events but folds no state. With no state to take it from, the relay presents the clinic network's contract.
    /// </summary>
    public Task<ZamEngine> OpenRelayAsync(Microsoft.Extensions.Logging.ILoggerFactory log, CancellationToken cancellationToken)
    {
        var contract = NetworkContract;
        var options = NodeOptions with { LoggerFactory = log, ContractFingerprint = contract.Fingerprint, ContractSchema = contract.Schema };
        return ZamEngine.OpenRelayAsync(Path, new NodeId(Config.NodeId), options, cancellationToken);
    }

    /// <summary>The clinic network's generated contract, which a relay presents (it has no state type to take it from).</summary>
    public static ZamContractAttribute NetworkContract =>
        System.Reflection.CustomAttributeExtensions.GetCustomAttribute<ZamContractAttribute>(typeof(ClinicNetworkState).Assembly)
            ?? throw new InvalidOperationException("The clinic contracts carry no generated contract.");

    /// <summary>Creates the directory's configuration; for a hub, also the deployment CA and the hub's certificate.</summary>
    /// <param name="caPassphrase">Encrypts the CA's key (AES-256, PBKDF2-SHA256); null writes it unencrypted, mode 0600.</param>
    public void Initialise(NodeConfig config, string? caPassphrase = null)
    {
        if (File.Exists(System.IO.Path.Combine(Path, NodeConfig.FileName)))
            throw new UserError($"'{Path}' is already initialised ({Config.Kind} {Config.NodeId}).");
        if (config.DataKeyFile is not null && File.Exists(System.IO.Path.Combine(Path, "events.wal")))
            throw new UserError($"'{Path}' already holds a plain log (events.wal): --encrypt starts a new directory (to encrypt this one, use `zamsync rekey`).");
        // The key first: a directory whose node.json names a key must never be without it.
        if (config.DataKeyFile is { } key) DataKey.Create(key);
        KeyFiles.CreatePrivateDirectory(TlsFolder);
        config.Save(Path);
        if (config.Kind != NodeKind.Hub) return;
        using var ca = ZamPki.CreateAuthority(config.Name);
        KeyFiles.WritePrivate(CaKey, caPassphrase is null
            ? ca.Export(X509ContentType.Pkcs12)
            : ca.ExportPkcs12(Pkcs12ExportPbeParameters.Pbes2Aes256Sha256, caPassphrase));
        KeyFiles.WritePublic(CaCertificate, ca.ExportCertificatePem());
        using var hub = ZamPki.IssueCertificate(ca, new NodeId(config.NodeId), NodeRole.Hub);
        KeyFiles.WritePrivate(NodeCertificate, hub.Export(X509ContentType.Pkcs12));
    }

    /// <summary>The deployment CA with its private key; the hub's directory only.</summary>
    public X509Certificate2 LoadAuthority(string? passphrase)
    {
        if (!File.Exists(CaKey)) throw new UserError($"'{Path}' holds no CA key ({CaKey}): run this on the hub's directory.");
        return KeyFiles.LoadPkcs12(CaKey, passphrase, CaPassphrase.Hint);
    }

    /// <summary>Run on the hub: issues a certificate for <paramref name="clinic"/> into its directory (both on one machine).</summary>
    public void IssueFor(NodeDirectory clinic, string? caPassphrase = null)
    {
        var config = clinic.Config;
        using var ca = LoadAuthority(caPassphrase);
        using var caCertificate = KeyFiles.LoadPemCertificate(CaCertificate); // checked before anything is written
        using var issued = ZamPki.IssueCertificate(ca, new NodeId(config.NodeId), config.Kind == NodeKind.Hub ? NodeRole.Hub : NodeRole.Node);
        KeyFiles.CreatePrivateDirectory(clinic.TlsFolder);
        KeyFiles.WritePrivate(clinic.NodeCertificate, issued.Export(X509ContentType.Pkcs12));
        KeyFiles.WritePublic(clinic.CaCertificate, caCertificate.ExportCertificatePem());
    }

    /// <summary>Mutual TLS from the directory's certificate and CA, or an error saying what is missing.</summary>
    public TlsOptions LoadTls()
    {
        if (!HasCertificate)
            throw new UserError($"'{Path}' has no certificate yet: run `request --dir {Path}`, `sign` on the hub, then `install` (or `issue` with both directories on one machine).");
        return new TlsOptions
        {
            Certificate = KeyFiles.LoadPkcs12(NodeCertificate),
            Authority = KeyFiles.LoadPemCertificate(CaCertificate),
        };
    }
}

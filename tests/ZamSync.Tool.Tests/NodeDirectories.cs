using System.Security.Cryptography;
using Contracts.V1;
using ZamSync.Testing;
using ZamSync.Wal;

namespace ZamSync.Tool.Tests;

/// <summary>
/// Two nodes' data directories written by the real engine: clinic 7 and hub 1 record readings, sync once, then the
/// clinic records two more, so the hub is two events behind. Both are closed (stopped) when this returns.
/// </summary>
internal sealed class NodeDirectories : IDisposable
{
    public const ulong Clinic = 7, Hub = 1;

    private NodeDirectories(string root, byte[]? key)
    {
        Root = root;
        Key = key;
    }

    public string Root { get; }

    public string ClinicDir => Path.Combine(Root, "clinic");

    public string HubDir => Path.Combine(Root, "hub");

    public string LogPath => Path.Combine(ClinicDir, "events.wal");

    /// <summary>The data key (encrypted directories only).</summary>
    public byte[]? Key { get; }

    /// <summary>The key written as 64 hex digits in a file outside the data directories.</summary>
    public string KeyFile => Path.Combine(Root, "data.key");

    /// <summary>Per (origin, sequence) the SHA-256 of each payload, as the tool should print it.</summary>
    public Dictionary<(ulong Origin, ulong Sequence), string> Sha256 { get; } = new();

    public string ContractFingerprint { get; private set; } = "";

    public static async Task<NodeDirectories> CreateAsync(bool encrypted = false)
    {
        var root = Path.Combine(Path.GetTempPath(), "zamsync-tool-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        var key = encrypted ? RandomNumberGenerator.GetBytes(32) : null;
        var dirs = new NodeDirectories(root, key);
        if (key is not null) File.WriteAllText(dirs.KeyFile, Convert.ToHexString(key) + "\n");
        var options = key is null ? null : new ZamEngineOptions { Wal = new WalOptions { Cipher = WalCipherKind.Aes256Gcm, Key = key } };
        await using (var clinic = await ZamEngine<ReadingsState>.OpenAsync(dirs.ClinicDir, new NodeId(Clinic), options))
        await using (var hub = await ZamEngine<ReadingsState>.OpenAsync(dirs.HubDir, new NodeId(Hub), options))
        {
            dirs.ContractFingerprint = clinic.ContractFingerprint;
            for (int i = 0; i < 5; i++) dirs.Remember(await clinic.SubmitAsync(new Reading($"bp-{i}", 120 + i)));
            for (int i = 0; i < 3; i++) dirs.Remember(await hub.SubmitAsync(new Reading($"hub-{i}", i)));
            var (a, b) = InMemoryTransport.CreatePair();
            await using (a)
            await using (b)
            {
                var serving = hub.CreateSession(b).ServeOneAsync(clinic.NodeId);
                await clinic.CreateSession(a).SyncAsync(hub.NodeId);
                await serving;
            }
            for (int i = 5; i < 7; i++) dirs.Remember(await clinic.SubmitAsync(new Reading($"bp-{i}", 120 + i)));
        }
        return dirs;
    }

    private void Remember(EventEnvelope e) =>
        Sha256[(e.Origin.Value, e.Sequence)] = Convert.ToHexStringLower(SHA256.HashData(e.Payload.Span));

    /// <summary>
    /// Every file's bytes and last-write time, to prove a command changed nothing. The lock file's contents only when
    /// no engine holds it (a held lock cannot be opened); its time always.
    /// </summary>
    public static Dictionary<string, (string Hash, DateTime Written)> Fingerprint(string directory) =>
        Directory.GetFiles(directory).ToDictionary(f => Path.GetFileName(f), f => (Hash(f), File.GetLastWriteTimeUtc(f)));

    private static string Hash(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return Convert.ToHexString(SHA256.HashData(file));
        }
        catch (IOException) when (Path.GetFileName(path) == "zamsync.lock")
        {
            return "(held)";
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException) { } // a test's leftovers in the temp folder are harmless
    }
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ZamSync.Net.Tls;

namespace ZamSync.AspNetCore.Authentication;

/// <summary>
/// The bearer tokens of <see cref="ZamSyncApiOptions.TokenFile"/>: one per line, <c>&lt;token&gt; &lt;role&gt; [node id]</c>,
/// <c>#</c> starting a comment. Only each token's SHA-256 is kept, and a presented token is compared by its hash, so
/// neither the memory nor the time a lookup takes gives a token away.
/// </summary>
internal sealed class BearerTokenFile
{
    /// <summary>Tokens shorter than this are refused: a bearer token is the whole secret.</summary>
    public const int MinTokenLength = 16;

    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private readonly Dictionary<string, ZamCredential> _byHash;

    private BearerTokenFile(Dictionary<string, ZamCredential> byHash) => _byHash = byHash;

    public int Count => _byHash.Count;

    /// <summary>The credential <paramref name="token"/> stands for, or null.</summary>
    public ZamCredential? Find(string token) => _byHash.GetValueOrDefault(Hash(token));

    /// <summary>
    /// Reads the file, refusing (with the path and the fix in the message) one that group or others may read or
    /// write, a line it cannot parse, a short token, or a token given twice.
    /// </summary>
    /// <exception cref="InvalidOperationException">The file is unsafe or malformed; the host must not start.</exception>
    public static BearerTokenFile Load(string path)
    {
        if (!File.Exists(path))
            throw new InvalidOperationException($"The ZamSync API token file '{path}' does not exist.");
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & GroupOrOther) != 0)
                throw new InvalidOperationException(
                    $"The ZamSync API token file '{path}' has mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}: it holds secrets, so group and others must have no access. Run 'chmod 600 {path}' and start again.");
        }
        var byHash = new Dictionary<string, ZamCredential>(StringComparer.Ordinal);
        int number = 0;
        foreach (var raw in File.ReadLines(path))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            var credential = Parse(parts) ?? throw new InvalidOperationException(
                $"Line {number} of the ZamSync API token file '{path}' is not '<token> coordinator', '<token> node <id>' or '<token> hub <id>'.");
            if (parts[0].Length < MinTokenLength)
                throw new InvalidOperationException($"The token on line {number} of '{path}' is shorter than {MinTokenLength} characters.");
            if (!byHash.TryAdd(Hash(parts[0]), credential))
                throw new InvalidOperationException($"The token on line {number} of '{path}' appears twice: each credential needs its own.");
        }
        return new BearerTokenFile(byHash);
    }

    private static ZamCredential? Parse(string[] parts)
    {
        if (parts.Length == 2 && parts[1].Equals("coordinator", StringComparison.OrdinalIgnoreCase))
            return new ZamCredential(NodeRole.Coordinator, default, "token");
        if (parts.Length != 3 || !NodeId.TryParse(parts[2], CultureInfo.InvariantCulture, out var node) || node.IsEmpty) return null;
        if (parts[1].Equals("node", StringComparison.OrdinalIgnoreCase)) return new ZamCredential(NodeRole.Node, node, "token");
        if (parts[1].Equals("hub", StringComparison.OrdinalIgnoreCase)) return new ZamCredential(NodeRole.Hub, node, "token");
        if (parts[1].Equals("coordinator", StringComparison.OrdinalIgnoreCase)) return new ZamCredential(NodeRole.Coordinator, node, "token");
        return null;
    }

    private static string Hash(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}

using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;

namespace ZamSync.AspNetCore.Dashboard;

/// <summary>
/// The dashboard's files, embedded in this assembly (Dashboard/wwwroot): plain HTML, CSS and one script, so a hub
/// serves its dashboard with no CDN, no build step and nothing on disk to keep in step with the binary.
/// </summary>
internal sealed class DashboardAssets
{
    public const string SignInPage = "sign-in.html", IndexPage = "index.html";
    private const string Prefix = "ZamSync.AspNetCore.Dashboard.";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>
    {
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary();

    private readonly FrozenDictionary<string, Asset> _assets;

    public DashboardAssets()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            string name = resource[Prefix.Length..];
            var bytes = copy.ToArray();
            assets[name] = new Asset(bytes, ContentTypes.GetValueOrDefault(Path.GetExtension(name), "application/octet-stream"),
                "\"" + Convert.ToHexString(SHA256.HashData(bytes))[..16] + "\"");
        }
        _assets = assets.ToFrozenDictionary(StringComparer.Ordinal);
        // The sign-in page is shown to callers who have no credential yet, so it cannot load the (authenticated)
        // stylesheet: its one inline <style> is allowed by hash, and nothing else inline is.
        SignInStyleHash = StyleHash(Encoding.UTF8.GetString(Get(SignInPage).Bytes));
    }

    /// <summary>The CSP source of the sign-in page's inline style (<c>'sha256-…'</c>).</summary>
    public string SignInStyleHash { get; }

    public Asset Get(string name) => _assets.TryGetValue(name, out var asset) ? asset : throw new InvalidOperationException($"The dashboard asset '{name}' is not embedded.");

    public bool TryGet(string name, out Asset asset) => _assets.TryGetValue(name, out asset!);

    private static string StyleHash(string html)
    {
        int start = html.IndexOf("<style>", StringComparison.Ordinal), end = html.IndexOf("</style>", StringComparison.Ordinal);
        if (start < 0 || end < start) return "'none'";
        var style = html[(start + "<style>".Length)..end];
        return "'sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(style))) + "'";
    }

    public sealed record Asset(byte[] Bytes, string ContentType, string ETag);
}

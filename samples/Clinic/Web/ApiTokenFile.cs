using System.Security.Cryptography;

namespace Clinic.Web;

/// <summary>
/// The hub's API token file (<c>&lt;hub&gt;/api-tokens</c> unless <c>--api-tokens</c> names another): when it does not
/// exist, <c>serve --http</c> creates it, mode 0600 from the first byte, with one fresh coordinator token, so the first
/// start needs no setup and the secret is never on the command line or in a log. An existing file is used as it is (the
/// API refuses one that group or others may read).
/// </summary>
internal static class ApiTokenFile
{
    public const string DefaultName = "api-tokens";

    /// <summary>Creates <paramref name="path"/> with a coordinator token unless it exists; true when it was created.</summary>
    public static bool EnsureExists(string path, ulong hubId)
    {
        if (File.Exists(path)) return false;
        // 32 random bytes: a bearer token is the whole secret, so it is as strong as a key.
        string token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            using var file = new StreamWriter(path, System.Text.Encoding.UTF8, options);
            file.WriteLine($"# Bearer tokens for hub {hubId}'s HTTP API and dashboard (docs/http-api.md). Keep mode 0600.");
            file.WriteLine("# One per line: '<token> coordinator' reads everything; '<token> node <id>' reads what that clinic may.");
            file.WriteLine($"{token} coordinator");
            file.Flush();
            file.BaseStream.Flush();
        }
        catch (IOException) when (File.Exists(path))
        {
            return false; // another process created it first
        }
        return true;
    }

    /// <summary>The first coordinator token in the file, for the demo to print (null when there is none).</summary>
    public static string? FirstCoordinatorToken(string path) =>
        File.ReadLines(path)
            .Select(l => l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            .FirstOrDefault(p => p.Length == 2 && p[0][0] != '#' && p[1].Equals("coordinator", StringComparison.OrdinalIgnoreCase))?[0];
}

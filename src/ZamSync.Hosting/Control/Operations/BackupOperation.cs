using System.Text.Json;
using System.Text.Json.Nodes;

namespace ZamSync.Hosting.Control.Operations;

/// <summary>
/// <c>backup</c>: the running node backs its own directory up, <c>{"to": "/abs/path/node-7.zsbackup"}</c>, consistently
/// while it goes on submitting and syncing (<see cref="ZamEngine.BackupAsync(string, CancellationToken)"/>), and answers
/// with the manifest's summary. The node writes the file (the control socket is its own user's only), so the path is
/// the node's view of the file system and must be absolute; an existing file is never overwritten.
/// </summary>
public sealed class BackupOperation(ZamEngine engine) : IControlOperation
{
    public string Name => "backup";

    public async ValueTask<JsonNode?> InvokeAsync(JsonElement arguments, CancellationToken cancellationToken)
    {
        if (!arguments.TryGetProperty("to", out var to) || to.ValueKind != JsonValueKind.String || to.GetString() is not { Length: > 0 } path || !Path.IsPathFullyQualified(path))
            throw new ControlException("backup needs \"to\": the absolute path of the backup file to create.");
        Backup.BackupManifest manifest;
        try
        {
            manifest = await engine.BackupAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or NotSupportedException or UnauthorizedAccessException)
        {
            throw new ControlException(ex.Message, ex);
        }
        return Describe(manifest, path);
    }

    /// <summary>The summary the tool prints: where, what the log held, and every file with its size and hash.</summary>
    public static JsonObject Describe(Backup.BackupManifest manifest, string path)
    {
        var known = new JsonObject();
        foreach (var (origin, seq) in manifest.Known.OrderBy(p => p.Key.Value)) known[origin.ToString()] = seq;
        return new JsonObject
        {
            ["backup"] = path,
            ["node"] = manifest.Node.ToString(),
            ["takenFrom"] = manifest.TakenFrom,
            ["cipher"] = manifest.Cipher.ToString(),
            ["known"] = known,
            ["bytes"] = manifest.TotalBytes,
            ["files"] = new JsonArray(manifest.Files.Select(f => (JsonNode)new JsonObject { ["path"] = f.Path, ["bytes"] = f.Bytes, ["sha256"] = f.Sha256 }).ToArray()),
        };
    }
}

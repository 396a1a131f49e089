using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using ZamSync.Backup;
using ZamSync.Tool.Output;

namespace ZamSync.Tool.Commands;

/// <summary>
/// <c>restore</c>: checks a backup whole (every file's SHA-256 against its manifest) and only then writes it into a new or
/// empty directory, marked restored, so that the node's first sync wins back its own events newer than the backup before
/// it accepts a submit (it would otherwise mint again sequences its peers hold under other events).
/// </summary>
internal static class RestoreCommand
{
    public static Command Create(ToolConsole console)
    {
        var from = new Option<string>("--from") { Description = "The backup file (made by zamsync backup)", Required = true };
        var dir = new Option<string>("--dir", "-d") { Description = "The directory to restore into (must not exist, or be empty)", Required = true };
        var json = Options.Json();
        var command = new Command("restore", "Restore a backup into a new directory, marked so the node recovers its newer own events from a peer before it submits") { from, dir, json };
        command.SetAction(async (result, cancellationToken) =>
        {
            string file = Path.GetFullPath(result.GetValue(from)!);
            string directory = Path.GetFullPath(result.GetValue(dir)!);
            if (!File.Exists(file)) throw new ToolFailure($"the backup file '{file}' does not exist.");
            var manifest = await NodeBackup.RestoreAsync(file, directory, cancellationToken).ConfigureAwait(false);
            var known = new JsonObject();
            foreach (var (origin, seq) in manifest.Known.OrderBy(p => p.Key.Value)) known[origin.ToString()] = seq;
            if (result.GetValue(json))
            {
                console.Out.WriteLine(new JsonObject
                {
                    ["directory"] = directory, ["node"] = manifest.Node.ToString(), ["created"] = manifest.Created.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                    ["files"] = manifest.Files.Count, ["bytes"] = manifest.TotalBytes, ["known"] = known, ["cipher"] = manifest.Cipher.ToString(), ["markedRestored"] = true,
                }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                console.Out.WriteLine($"restored node {manifest.Node} as of {Formats.Time(manifest.Created.ToUnixTimeMilliseconds())} into {directory}: {Formats.N(manifest.Files.Count)} files, {Formats.N(manifest.TotalBytes)} bytes, every SHA-256 as in the manifest.");
                console.Out.WriteLine($"the directory is marked restored ({ZamEngine.RestoredMarkerFile}): the node refuses local submits until its first sync with a peer has brought back its own events newer than this backup.");
            }
            return ToolApp.Success;
        });
        return command;
    }
}

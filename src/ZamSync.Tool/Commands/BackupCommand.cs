using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using ZamSync.Backup;
using ZamSync.Hosting.Control;
using ZamSync.Hosting.Control.Operations;
using ZamSync.Tool.Output;

namespace ZamSync.Tool.Commands;

/// <summary>
/// <c>backup</c>: a consistent copy of a node's directory in one file (a tar archive with a manifest and SHA-256 of every
/// file). A running node is asked through its control endpoint, so its engine fixes the copy (commits pause a moment);
/// a stopped node's directory is copied with its lock held. A running node without a control endpoint is refused:
/// copying its files behind its back would not be consistent.
/// </summary>
internal static class BackupCommand
{
    public static Command Create(ToolConsole console)
    {
        var dir = new Option<string>("--dir", "-d") { Description = "The node's data directory (running with a control endpoint, or stopped)", Required = true };
        var to = new Option<string>("--to") { Description = "The backup file to create (never overwritten; outside the data directory)", Required = true };
        var json = Options.Json();
        var command = new Command("backup", "Back up a node's directory (running or stopped) to one file with a manifest and checksums") { dir, to, json };
        command.SetAction(async (result, cancellationToken) =>
        {
            string directory = Path.GetFullPath(result.GetValue(dir)!);
            string file = Path.GetFullPath(result.GetValue(to)!);
            if (!Directory.Exists(directory)) throw new ToolFailure($"'{directory}' does not exist.");
            JsonObject summary;
            await using (var client = await ControlClient.ConnectToDirectoryAsync(directory, cancellationToken).ConfigureAwait(false))
            {
                if (client is not null)
                {
                    summary = (JsonObject)(await client.InvokeAsync("backup", new JsonObject { ["to"] = file }, cancellationToken).ConfigureAwait(false))!;
                }
                else
                {
                    BackupManifest manifest;
                    try
                    {
                        manifest = await NodeBackup.BackupStoppedDirectoryAsync(directory, file, cancellationToken).ConfigureAwait(false);
                    }
                    catch (DataDirectoryLockedException)
                    {
                        throw new ToolFailure($"'{directory}' is in use by a running node that serves no control endpoint (control/node.sock): zamsync never copies a running node's files behind its back. Start the node with its control endpoint, or stop it first.");
                    }
                    summary = BackupOperation.Describe(manifest, file);
                }
            }
            if (result.GetValue(json))
            {
                console.Out.WriteLine(summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                string how = summary["takenFrom"]!.GetValue<string>() == "engine" ? "from the running node (through its engine)" : "from the stopped directory";
                var known = string.Join(", ", ((JsonObject)summary["known"]!).Select(p => $"{p.Key}:{p.Value}"));
                console.Out.WriteLine($"backed up node {summary["node"]} {how} to {file}: {Formats.N(((JsonArray)summary["files"]!).Count)} files, {Formats.N(summary["bytes"]!.GetValue<long>())} bytes; the log holds {(known.Length == 0 ? "no events" : known)}.");
                if (summary["cipher"]!.GetValue<string>() != "None")
                    console.Out.WriteLine($"note: the log is encrypted ({summary["cipher"]}); the backup holds its data key only if the key file is inside the directory. Keep the key with the backup's restore instructions.");
            }
            return ToolApp.Success;
        });
        return command;
    }
}

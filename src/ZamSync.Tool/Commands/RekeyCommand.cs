using System.CommandLine;
using System.Security.Cryptography;
using ZamSync.Tool.Output;
using ZamSync.Wal;

namespace ZamSync.Tool.Commands;

/// <summary>
/// <c>rekey</c>: re-encrypts a stopped node's log with a new data key (or encrypts a plain one), crash-safe: the new log
/// is written and flushed beside the old, the switch is decided by one atomic file and done by a rename, and an
/// interrupted rekey is finished or rolled back by the next open (<see cref="LogRekey"/>).
/// </summary>
internal static class RekeyCommand
{
    public static Command Create(ToolConsole console)
    {
        var dir = Options.Dir();
        var key = new Option<string?>("--key") { Description = "The log's current data key file (omit for a plain log, which is then encrypted)" };
        var newKey = new Option<string>("--new-key") { Description = "The new data key file (make one with zamsync keygen)", Required = true };
        var cipher = new Option<string?>("--cipher") { Description = "The new log's cipher: aes256gcm or chacha20poly1305 (default: the log's own, or aes256gcm for a plain log)" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Print each durable step as it is done" };
        var command = new Command("rekey", "Re-encrypt a stopped node's log with a new data key, crash-safe (a kill at any moment leaves the old or the new log)") { dir, key, newKey, cipher, verbose };
        command.SetAction((result, cancellationToken) =>
        {
            string directory = Path.GetFullPath(result.GetValue(dir)!);
            if (!Directory.Exists(directory)) throw new ToolFailure($"'{directory}' does not exist.");
            WalCipherKind? chosen = result.GetValue(cipher)?.ToLowerInvariant() switch
            {
                null => null,
                "aes256gcm" or "aes-256-gcm" => WalCipherKind.Aes256Gcm,
                "chacha20poly1305" or "chacha20-poly1305" => WalCipherKind.ChaCha20Poly1305,
                var other => throw new UsageException($"--cipher: expected aes256gcm or chacha20poly1305, got '{other}'."),
            };
            WalCipherKind current;
            using (var inspector = DirectoryAccess.Open(directory, null)) current = inspector.Log.Cipher;
            var kind = chosen ?? (current == WalCipherKind.None ? WalCipherKind.Aes256Gcm : current);
            if (current != WalCipherKind.None && result.GetValue(key) is null)
                throw new ToolFailure($"the log in '{directory}' is encrypted ({current}): pass its current key with --key FILE.");
            byte[] oldKey = result.GetValue(key) is { } oldFile ? KeyFile.Read(oldFile) : [];
            byte[] replacement = KeyFile.Read(result.GetValue(newKey)!);
            try
            {
                if (oldKey.Length > 0 && CryptographicOperations.FixedTimeEquals(oldKey, replacement) && kind == current)
                    throw new ToolFailure("the new key is the key the log already has: nothing to do.");
                bool verboseOn = result.GetValue(verbose);
                RekeyResult done;
                try
                {
                    done = LogRekey.Rekey(directory, oldKey, kind, replacement, verboseOn ? s => { console.Out.WriteLine("step: " + s); console.Out.Flush(); } : null, cancellationToken);
                }
                catch (DataDirectoryLockedException)
                {
                    throw new ToolFailure($"'{directory}' is in use by a running node (it holds zamsync.lock): stop the node first; a rekey rewrites the whole log and never runs behind a running node's back.");
                }
                console.Out.WriteLine($"rekeyed the log in {directory}: {Formats.N(done.Events)} events, {Formats.N(done.Bytes)} bytes, now {kind} under the new key. Open the node with the new key file from now on; state.snapshot and events.idx were dropped and are rebuilt at the next open and close.");
                return Task.FromResult(ToolApp.Success);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(oldKey);
                CryptographicOperations.ZeroMemory(replacement);
            }
        });
        return command;
    }
}

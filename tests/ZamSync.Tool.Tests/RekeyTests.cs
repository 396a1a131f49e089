using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Contracts.V1;
using Xunit.Abstractions;
using ZamSync.Wal;

namespace ZamSync.Tool.Tests;

/// <summary><c>rekey</c> on a real encrypted (and compacted) log, in-process and as a process killed with SIGKILL part-way.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RekeyTests(ITestOutputHelper output) : IDisposable
{
    private const ulong ClinicId = 7, HubId = 1;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "zs-rk-" + Guid.NewGuid().ToString("N")[..12]);
    private string Clinic => Path.Combine(_root, "clinic");

    private string NewKeyFile(int n)
    {
        Directory.CreateDirectory(_root);
        string path = Path.Combine(_root, $"key-{n}");
        File.WriteAllText(path, Convert.ToHexString(RandomNumberGenerator.GetBytes(32)));
        return path;
    }

    private static ZamEngineOptions With(string keyFile) =>
        new() { Wal = new WalOptions { Cipher = WalCipherKind.Aes256Gcm, Key = Convert.FromHexString(File.ReadAllText(keyFile).Trim()) } };

    /// <summary>
    /// Clinic 7 with 40 readings synced to hub 1 and compacted away (so the log starts with a base record holding a
    /// snapshot), then 20 more. Returns what it must hold: the state and its own events' payloads from 41 on.
    /// </summary>
    private async Task<(string State, Dictionary<ulong, byte[]> Events)> CreateAsync(string keyFile)
    {
        await using var hub = await ZamEngine<ReadingsState>.OpenAsync(Path.Combine(_root, "hub"), new NodeId(HubId), With(keyFile));
        await using var clinic = await ZamEngine<ReadingsState>.OpenAsync(Clinic, new NodeId(ClinicId), With(keyFile));
        for (int i = 0; i < 40; i++) await clinic.SubmitAsync(new Reading($"old-{i}", i));
        await BackupTests.SyncAsync(clinic, hub);
        Assert.Equal(40, (await clinic.CompactAsync()).EventsDropped);
        var events = new Dictionary<ulong, byte[]>();
        for (int i = 0; i < 20; i++)
        {
            var e = await clinic.SubmitAsync(new Reading($"new-{i}", i));
            events[e.Sequence] = e.Payload.ToArray();
        }
        return (clinic.Read(s => string.Join(',', s.Values)), events);
    }

    private static async Task AssertWholeAsync(ZamEngine<ReadingsState> node, (string State, Dictionary<ulong, byte[]> Events) expected, string context)
    {
        Assert.True(expected.State == node.Read(s => string.Join(',', s.Values)), $"{context}: the state differs");
        Assert.True(node.Known[new NodeId(ClinicId)] == 60, $"{context}: holds up to #{node.Known[new NodeId(ClinicId)]}");
        Assert.Equal(40UL, node.Compacted[new NodeId(ClinicId)]);
        var held = node.ReadEvents(new NodeId(ClinicId), 41).ToDictionary(e => e.Sequence, e => e.Payload.ToArray());
        Assert.True(held.Count == 20 && expected.Events.All(p => held.TryGetValue(p.Key, out var b) && b.AsSpan().SequenceEqual(p.Value)), $"{context}: an event differs or is missing");
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Rekey_re_encrypts_a_compacted_log_and_the_old_key_no_longer_opens_it()
    {
        string key0 = NewKeyFile(0), key1 = NewKeyFile(1);
        var expected = await CreateAsync(key0);
        var run = await ToolRun.RunAsync("rekey", "--dir", Clinic, "--key", key0, "--new-key", key1);
        Assert.True(run.ExitCode == 0, run.Out + run.Error);
        Assert.Contains("rekeyed the log", run.Out);
        await Assert.ThrowsAsync<WalKeyException>(async () => await ZamEngine<ReadingsState>.OpenAsync(Clinic, new NodeId(ClinicId), With(key0)));
        Assert.Equal(0, (await ToolRun.RunAsync("verify", "--dir", Clinic, "--key", key1)).ExitCode);
        await using (var node = await ZamEngine<ReadingsState>.OpenAsync(Clinic, new NodeId(ClinicId), With(key1)))
            await AssertWholeAsync(node, expected, "after the rekey");

        var wrong = await ToolRun.RunAsync("rekey", "--dir", Clinic, "--key", key0, "--new-key", NewKeyFile(2));
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("does not open", Assert.Single(wrong.ErrorLines));
        await using (var running = await ZamEngine<ReadingsState>.OpenAsync(Clinic, new NodeId(ClinicId), With(key1)))
        {
            var refused = await ToolRun.RunAsync("rekey", "--dir", Clinic, "--key", key1, "--new-key", NewKeyFile(3));
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains("in use by a running node", Assert.Single(refused.ErrorLines));
        }
    }

    [Fact]
    public async Task A_plain_log_is_encrypted_by_rekey()
    {
        Directory.CreateDirectory(_root);
        await using (var clinic = await ZamEngine<ReadingsState>.OpenAsync(Clinic, new NodeId(ClinicId)))
            for (int i = 0; i < 5; i++) await clinic.SubmitAsync(new Reading($"r-{i}", i));
        string key = NewKeyFile(0);
        var run = await ToolRun.RunAsync("rekey", "--dir", Clinic, "--new-key", key, "--cipher", "chacha20poly1305");
        Assert.True(run.ExitCode == 0, run.Out + run.Error);
        var options = new ZamEngineOptions { Wal = With(key).Wal with { Cipher = WalCipherKind.ChaCha20Poly1305 } };
        await using var node = await ZamEngine<ReadingsState>.OpenAsync(Clinic, new NodeId(ClinicId), options);
        Assert.Equal(5, node.Read(s => s.Values.Count));
    }

    [Fact]
    public async Task Rekey_killed_with_SIGKILL_at_random_moments_leaves_a_directory_that_opens_with_the_old_or_the_new_key_and_loses_nothing()
    {
        int seed = Environment.GetEnvironmentVariable("ZAMSYNC_REKEY_SEED") is { } fixedSeed ? int.Parse(fixedSeed, CultureInfo.InvariantCulture) : Random.Shared.Next();
        output.WriteLine($"seed {seed} (replay with ZAMSYNC_REKEY_SEED={seed})");
        var random = new Random(seed);
        string current = NewKeyFile(0);
        var expected = await CreateAsync(current);
        string tool = Path.Combine(AppContext.BaseDirectory, "zamsync.dll");
        int toNew = 0, toOld = 0, interrupted = 0;
        const int Rounds = 24;
        for (int round = 1; round <= Rounds; round++)
        {
            string next = NewKeyFile(round);
            // Kill after the child reports step 1 (new log written), 2 (decided) or 3 (switched), or after a random
            // time from its start (mostly before it touches anything); then a little later still, at random.
            int afterStep = random.Next(0, 4);
            int delayMs = afterStep == 0 ? random.Next(0, 400) : random.Next(0, 3);
            string context = $"seed {seed}, round {round} (kill after step {afterStep} + {delayMs} ms)";
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[] { tool, "rekey", "--dir", Clinic, "--key", current, "--new-key", next, "--verbose" }) start.ArgumentList.Add(arg);
            using (var child = Process.Start(start)!)
            {
                var errors = child.StandardError.ReadToEndAsync();
                int steps = 0;
                if (afterStep > 0)
                {
                    while (steps < afterStep && await child.StandardOutput.ReadLineAsync() is { } line)
                        if (line.StartsWith("step: ", StringComparison.Ordinal)) steps++;
                }
                if (delayMs > 0) await Task.Delay(delayMs);
                try
                {
                    child.Kill(); // SIGKILL on Unix
                }
                catch (InvalidOperationException)
                {
                    // It had already finished.
                }
                var drained = child.StandardOutput.ReadToEndAsync();
                await child.WaitForExitAsync();
                await drained;
                string error = await errors;
                Assert.True(error.Length == 0 || child.ExitCode != 0 && !error.Contains("error:"), $"{context}: the rekey failed on its own: {error}");
            }

            // What the kill left for the open to finish or roll back (counted to show the windows the kills hit).
            if (File.Exists(Path.Combine(Clinic, LogRekey.NewLogFile)) || File.Exists(Path.Combine(Clinic, LogRekey.MarkerFile))) interrupted++;
            ZamEngine<ReadingsState> node;
            try
            {
                node = await ZamEngine<ReadingsState>.OpenAsync(Clinic, new NodeId(ClinicId), With(current));
                toOld++;
            }
            catch (WalKeyException)
            {
                node = await ZamEngine<ReadingsState>.OpenAsync(Clinic, new NodeId(ClinicId), With(next));
                current = next;
                toNew++;
            }
            await using (node) await AssertWholeAsync(node, expected, context);
            Assert.False(File.Exists(Path.Combine(Clinic, LogRekey.NewLogFile)), $"{context}: {LogRekey.NewLogFile} is left over after an open");
            Assert.False(File.Exists(Path.Combine(Clinic, LogRekey.MarkerFile)), $"{context}: {LogRekey.MarkerFile} is left over after an open");
        }
        output.WriteLine($"{toNew} rounds ended under the new key, {toOld} under the old; {interrupted} left a rekey for the open to finish or roll back");
        var verify = await ToolRun.RunAsync("verify", "--dir", Clinic, "--key", current);
        Assert.True(verify.ExitCode == 0, $"seed {seed}: {verify.Out}{verify.Error}");
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}

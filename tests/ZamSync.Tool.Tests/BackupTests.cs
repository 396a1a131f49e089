using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Contracts.V1;
using ZamSync.Hosting.Control;
using ZamSync.Hosting.Control.Operations;
using ZamSync.Testing;

namespace ZamSync.Tool.Tests;

/// <summary><c>backup</c> and <c>restore</c> on real directories: a running node through its control endpoint, a stopped one directly.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // Unix sockets, modes
public sealed class BackupTests : IDisposable
{
    private const ulong ClinicId = 7, OtherClinicId = 8, HubId = 1;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "zs-bk-" + Guid.NewGuid().ToString("N")[..12]);

    public BackupTests() => Directory.CreateDirectory(_root);

    private string P(string name) => Path.Combine(_root, name);

    [Fact]
    public async Task A_backup_taken_while_8_submitters_and_a_sync_run_restores_every_event_up_to_it_and_verifies()
    {
        string clinicDir = P("clinic"), backup = P("clinic.zsbackup"), restoredDir = P("restored");
        // Key material an app keeps in the directory travels with its mode.
        Directory.CreateDirectory(Path.Combine(clinicDir, "tls"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(clinicDir, "tls", "node.pfx"), "not really a key");
        File.SetUnixFileMode(Path.Combine(clinicDir, "tls", "node.pfx"), UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var acknowledged = new ConcurrentDictionary<ulong, byte[]>();
        var progress = new Pulse();
        JsonNode summary;
        await using (var hub = await ZamEngine<ReadingsState>.OpenAsync(P("hub"), new NodeId(HubId)))
        await using (var clinic = await ZamEngine<ReadingsState>.OpenAsync(clinicDir, new NodeId(ClinicId)))
        {
            await using var control = new ControlServer(ControlEndpoint.DefaultSocketPath(clinicDir), [new BackupOperation(clinic)]);
            await control.StartAsync();
            for (int i = 0; i < 20; i++) await hub.SubmitAsync(new Reading($"hub-{i}", i));
            await SyncAsync(clinic, hub); // the hub's events are in the backup whenever it is taken
            using var stop = new CancellationTokenSource();
            var submitters = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
            {
                for (int i = 0; !stop.IsCancellationRequested; i++)
                {
                    var e = await clinic.SubmitAsync(new Reading($"w{w}-{i}", i));
                    acknowledged[e.Sequence] = e.Payload.ToArray();
                    progress.Changed();
                }
            })).ToArray();
            int rounds = 0;
            var syncing = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    await SyncAsync(clinic, hub);
                    Interlocked.Increment(ref rounds);
                    progress.Changed();
                }
            });
            // Sessions run before, during and after the backup, as the submitters do.
            await progress.UntilAsync(() => acknowledged.Count >= 300 && Volatile.Read(ref rounds) >= 1);
            ulong beforeBackup = acknowledged.Keys.Max();
            var run = await ToolRun.RunAsync("backup", "--dir", clinicDir, "--to", backup, "--json");
            Assert.True(run.ExitCode == 0, run.Out + run.Error);
            summary = JsonNode.Parse(run.Out)!;
            int roundsAtBackup = Volatile.Read(ref rounds);
            await progress.UntilAsync(() => acknowledged.Count >= 600 && Volatile.Read(ref rounds) >= roundsAtBackup + 1);
            stop.Cancel();
            await Task.WhenAll(submitters);
            await syncing;

            Assert.Equal("engine", (string)summary["takenFrom"]!);
            ulong inBackup = (ulong)summary["known"]![ClinicId.ToString()]!;
            Assert.InRange(inBackup, beforeBackup, (ulong)acknowledged.Count - 1);
            Assert.Contains(summary["files"]!.AsArray(), f => (string)f!["path"]! == "tls/node.pfx");
            Assert.DoesNotContain(summary["files"]!.AsArray(), f => ((string)f!["path"]!).StartsWith("control", StringComparison.Ordinal) || (string)f["path"]! == "zamsync.lock");
        }

        var restore = await ToolRun.RunAsync("restore", "--from", backup, "--dir", restoredDir);
        Assert.True(restore.ExitCode == 0, restore.Out + restore.Error);
        Assert.True(File.Exists(Path.Combine(restoredDir, ZamEngine.RestoredMarkerFile)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(restoredDir, "tls", "node.pfx")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(restoredDir, "tls")));
        var verify = await ToolRun.RunAsync("verify", "--dir", restoredDir);
        Assert.True(verify.ExitCode == 0, verify.Out + verify.Error);
        Assert.Contains(verify.OutLines, l => l.StartsWith("note: restored.pending: restored from a backup", StringComparison.Ordinal));

        ulong held = (ulong)summary["known"]![ClinicId.ToString()]!;
        await using var restored = await ZamEngine<ReadingsState>.OpenAsync(restoredDir, new NodeId(ClinicId));
        Assert.Equal(held, restored.Known[new NodeId(ClinicId)]);
        Assert.Equal(20UL, (ulong)summary["known"]![HubId.ToString()]!);
        Assert.Equal(20UL, restored.Known[new NodeId(HubId)]);
        var own = restored.ReadEvents(new NodeId(ClinicId)).ToList();
        Assert.Equal(Enumerable.Range(1, (int)held).Select(i => (ulong)i), own.Select(e => e.Sequence));
        foreach (var e in own) Assert.Equal(acknowledged[e.Sequence], e.Payload.ToArray());
        Assert.Equal((int)held, restored.Read(s => s.Values.Keys.Count(k => k.StartsWith('w'))));
        Assert.True(restored.IsRecoveringOwnEvents);
    }

    [Fact]
    public async Task A_node_restored_from_an_old_backup_gets_its_own_events_back_from_the_hub_and_no_sequence_is_minted_twice()
    {
        string clinicDir = P("clinic"), backup = P("old.zsbackup");
        await using var hub = await ZamEngine<ReadingsState>.OpenAsync(P("hub"), new NodeId(HubId));
        await using var other = await ZamEngine<ReadingsState>.OpenAsync(P("other"), new NodeId(OtherClinicId));
        await using (var clinic = await ZamEngine<ReadingsState>.OpenAsync(clinicDir, new NodeId(ClinicId)))
        {
            for (int i = 0; i < 5; i++) await clinic.SubmitAsync(new Reading($"kept-{i}", i));
            await SyncAsync(clinic, hub);
        }
        // A stopped node's directory: the tool copies it itself, holding its lock.
        var run = await ToolRun.RunAsync("backup", "--dir", clinicDir, "--to", backup);
        Assert.True(run.ExitCode == 0, run.Out + run.Error);
        Assert.Contains("from the stopped directory", run.Out);
        await using (var clinic = await ZamEngine<ReadingsState>.OpenAsync(clinicDir, new NodeId(ClinicId)))
        {
            for (int i = 0; i < 6; i++) await clinic.SubmitAsync(new Reading($"after-backup-{i}", 100 + i));
            await SyncAsync(clinic, hub);
        }
        await SyncAsync(other, hub); // the other clinic holds the events the backup lacks too
        Directory.Delete(clinicDir, recursive: true);

        var restore = await ToolRun.RunAsync("restore", "--from", backup, "--dir", clinicDir);
        Assert.True(restore.ExitCode == 0, restore.Out + restore.Error);
        await using (var clinic = await ZamEngine<ReadingsState>.OpenAsync(clinicDir, new NodeId(ClinicId)))
        {
            Assert.Equal(5UL, clinic.Known[new NodeId(ClinicId)]);
            await Assert.ThrowsAsync<OwnEventsMissingException>(async () => await clinic.SubmitAsync(new Reading("too-soon", 0)));
            await SyncAsync(clinic, hub);
            Assert.False(clinic.IsRecoveringOwnEvents);
            Assert.Equal(11UL, clinic.Known[new NodeId(ClinicId)]);
            var next = await clinic.SubmitAsync(new Reading("next", 1));
            Assert.Equal(12UL, next.Sequence);
            await SyncAsync(clinic, hub);
            await SyncAsync(other, hub);
            AssertOneEventPerKey(clinic, hub, other);
            Assert.Equal(12UL, other.Known[new NodeId(ClinicId)]);
            Assert.Equal(clinic.Read(s => string.Join(',', s.Values)), hub.Read(s => string.Join(',', s.Values)));
        }
    }

    [Fact]
    public async Task A_damaged_or_cut_backup_is_refused_with_one_line_naming_it_and_nothing_is_written()
    {
        string clinicDir = P("clinic"), backup = P("b.zsbackup");
        await using (var clinic = await ZamEngine<ReadingsState>.OpenAsync(clinicDir, new NodeId(ClinicId)))
            for (int i = 0; i < 20; i++) await clinic.SubmitAsync(new Reading($"r-{i}", i));
        Assert.Equal(0, (await ToolRun.RunAsync("backup", "--dir", clinicDir, "--to", backup)).ExitCode);

        // A flipped byte inside the log's bytes in the archive (the tar header of the first file is 512 bytes, then a pax header).
        var bytes = File.ReadAllBytes(backup);
        int at = IndexOf(bytes, "ZAMWAL\r\n"u8.ToArray());
        Assert.True(at > 0, "the log's magic is in the archive");
        string flipped = P("flipped.zsbackup");
        bytes[at + 200] ^= 0x40;
        File.WriteAllBytes(flipped, bytes);
        var run = await ToolRun.RunAsync("restore", "--from", flipped, "--dir", P("r1"));
        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.ErrorLines);
        Assert.Contains(flipped, line);
        Assert.Contains("events.wal does not match its SHA-256", line);
        Assert.False(Directory.Exists(P("r1")));

        string cut = P("cut.zsbackup");
        File.WriteAllBytes(cut, File.ReadAllBytes(backup)[..(bytes.Length / 2)]);
        run = await ToolRun.RunAsync("restore", "--from", cut, "--dir", P("r2"));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains(cut, Assert.Single(run.ErrorLines));
        Assert.False(Directory.Exists(P("r2")));

        Directory.CreateDirectory(P("busy"));
        File.WriteAllText(Path.Combine(P("busy"), "something"), "x");
        run = await ToolRun.RunAsync("restore", "--from", backup, "--dir", P("busy"));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("is not empty", Assert.Single(run.ErrorLines));

        run = await ToolRun.RunAsync("backup", "--dir", clinicDir, "--to", backup);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("already exists", Assert.Single(run.ErrorLines));
    }

    [Fact]
    public async Task A_running_node_without_a_control_endpoint_is_refused_and_an_encrypted_one_is_backed_up_through_its_engine()
    {
        string clinicDir = P("clinic");
        var key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var options = new ZamEngineOptions { Wal = new Wal.WalOptions { Cipher = Wal.WalCipherKind.Aes256Gcm, Key = key } };
        await using (var clinic = await ZamEngine<ReadingsState>.OpenAsync(clinicDir, new NodeId(ClinicId), options))
        {
            for (int i = 0; i < 10; i++) await clinic.SubmitAsync(new Reading($"r-{i}", i));
            var run = await ToolRun.RunAsync("backup", "--dir", clinicDir, "--to", P("refused.zsbackup"));
            Assert.Equal(1, run.ExitCode);
            Assert.Contains("serves no control endpoint", Assert.Single(run.ErrorLines));
            Assert.False(File.Exists(P("refused.zsbackup")));

            var manifest = await clinic.BackupAsync(P("enc.zsbackup"));
            Assert.Equal(Wal.WalCipherKind.Aes256Gcm, manifest.Cipher);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(P("enc.zsbackup")));
        }
        Assert.Equal(0, (await ToolRun.RunAsync("restore", "--from", P("enc.zsbackup"), "--dir", P("r"))).ExitCode);
        File.WriteAllText(P("data.key"), Convert.ToHexString(key));
        var verify = await ToolRun.RunAsync("verify", "--dir", P("r"), "--key", P("data.key"));
        Assert.True(verify.ExitCode == 0, verify.Out + verify.Error);
        await using var restored = await ZamEngine<ReadingsState>.OpenAsync(P("r"), new NodeId(ClinicId), options);
        Assert.Equal(10, restored.Read(s => s.Values.Count));
    }

    internal static async Task SyncAsync(ZamEngine a, ZamEngine b)
    {
        var (x, y) = InMemoryTransport.CreatePair();
        await using (x)
        await using (y)
        {
            var serving = b.CreateSession(y).ServeOneAsync(a.NodeId);
            await a.CreateSession(x).SyncAsync(b.NodeId);
            await serving;
        }
    }

    /// <summary>No two nodes hold different events under one (origin, sequence).</summary>
    internal static void AssertOneEventPerKey(params ZamEngine[] nodes)
    {
        var seen = new Dictionary<(NodeId, ulong), (NodeId Holder, byte[] Payload, Hlc Hlc)>();
        foreach (var node in nodes)
            foreach (var e in node.ReadAllEvents())
            {
                if (seen.TryGetValue((e.Origin, e.Sequence), out var first))
                    Assert.True(first.Payload.AsSpan().SequenceEqual(e.Payload.Span) && first.Hlc == e.Hlc,
                        $"{e.Origin}#{e.Sequence} differs between node {first.Holder} and node {node.NodeId}");
                else seen[(e.Origin, e.Sequence)] = (node.NodeId, e.Payload.ToArray(), e.Hlc);
            }
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle)) return i;
        return -1;
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    /// <summary>
    /// A pulse on every acknowledged submit and every finished session, so the test waits for a condition on them
    /// without polling: each wait re-checks after taking the current pulse, so a change between the two is not missed.
    /// </summary>
    private sealed class Pulse
    {
        private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Changed() => Interlocked.Exchange(ref _next, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

        public async Task UntilAsync(Func<bool> condition)
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (true)
            {
                var pulse = Volatile.Read(ref _next).Task;
                if (condition()) return;
                await pulse.WaitAsync(deadline.Token);
            }
        }
    }
}

using System.Text;
using System.Text.Json.Nodes;
using Clinic.Contracts;
using ZamSync;
using ZamSync.Inspection;
using ZamSync.Wal;

namespace Clinic.Tests;

/// <summary><c>init --encrypt</c>: the log is encrypted at rest with a generated data key (0600) that every command then uses.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class EncryptTests : IDisposable
{
    private readonly Workspace _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task Init_encrypt_writes_a_private_key_and_every_command_reads_and_syncs_the_encrypted_log()
    {
        string hub = _work.Dir("hub"), clinic = _work.Dir("clinic"), clinicKey = _work.Dir("keys/clinic.key");
        await Workspace.Succeed("init", "--dir", hub, "--node", "1000", "--hub", "--name", "district", "--encrypt");
        await Workspace.Succeed("init", "--dir", clinic, "--node", "7", "--name", "khaling", "--encrypt", "--key-file", clinicKey);
        await Workspace.Succeed("issue", "--hub-dir", hub, "--dir", clinic);
        await Workspace.Succeed("submit", "register", "--dir", clinic, "--patient", "P-001", "--name", "Dorjee Wangmo", "--born", "1990-04-02");

        string hubKey = hub + ".data.key";
        foreach (var key in new[] { hubKey, clinicKey })
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
            Assert.Matches("^[0-9a-f]{64}\n$", File.ReadAllText(key));
        }
        Assert.Equal(clinicKey, (string?)JsonNode.Parse(File.ReadAllText(Path.Combine(clinic, "node.json")))!["DataKeyFile"]);
        using (var log = WalInspector.Open(Path.Combine(clinic, "events.wal")))
            Assert.Equal(WalCipherKind.Aes256Gcm, log.Cipher);
        Assert.DoesNotContain("Dorjee Wangmo", Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(clinic, "events.wal"))));
        await Assert.ThrowsAsync<WalKeyException>(async () => await ZamEngine<ClinicNetworkState>.OpenAsync(clinic, new NodeId(7)));

        await using (var serving = await _work.ServeAsync("hub"))
        {
            var console = new TestConsole();
            Assert.Equal(0, await console.RunAsync("sync", "--dir", clinic, "--hub", serving.Address, "--hub-id", "1000"));
            Assert.Contains("sent 1 events", console.Output);
        }
        var hubDirectory = new Clinic.Node.NodeDirectory(hub);
        await using (var engine = await ZamEngine<ClinicNetworkState>.OpenAsync(hub, new NodeId(1000), hubDirectory.NodeOptions))
            Assert.Equal("Dorjee Wangmo", engine.Read(s => s.Patients["P-001"].Name));
        using (var log = WalInspector.Open(Path.Combine(hub, "events.wal")))
            Assert.Equal(WalCipherKind.Aes256Gcm, log.Cipher);

        // The hosted node (`node`) opens the encrypted log too, and takes a submit through its control endpoint.
        using (var stop = new CancellationTokenSource())
        {
            var nodeConsole = new TestConsole();
            var running = nodeConsole.RunAsync(["node", "--dir", clinic], stop.Token);
            await Task.WhenAny(nodeConsole.WaitForAsync("running"), running).Unwrap().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.False(running.IsCompleted, nodeConsole.Errors);
            await Workspace.Succeed("submit", "visit", "--dir", clinic, "--patient", "P-001", "--visit", "V1", "--reason", "check-up");
            await stop.CancelAsync();
            Assert.Equal(0, await running);
        }
        var clinicDirectory = new Clinic.Node.NodeDirectory(clinic);
        await using (var engine = await ZamEngine<ClinicNetworkState>.OpenAsync(clinic, new NodeId(7), clinicDirectory.NodeOptions))
            Assert.Equal(2UL, engine.Known[new NodeId(7)]);

        // A key is never overwritten, and a missing key is named.
        var again = new TestConsole();
        Assert.Equal(1, await again.RunAsync("init", "--dir", _work.Dir("other"), "--node", "8", "--encrypt", "--key-file", clinicKey));
        Assert.Contains("never overwritten", again.Errors);
        File.Move(clinicKey, clinicKey + ".away");
        var missing = new TestConsole();
        Assert.Equal(1, await missing.RunAsync("status", "--dir", clinic));
        Assert.Contains(clinicKey, missing.Errors);
    }
}

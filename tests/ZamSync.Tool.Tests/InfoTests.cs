using System.Text.Json.Nodes;

namespace ZamSync.Tool.Tests;

public sealed class InfoTests
{
    [Fact]
    public async Task Info_shows_the_node_its_origins_vector_peers_and_contract()
    {
        using var dirs = await NodeDirectories.CreateAsync();
        var run = await ToolRun.RunAsync("info", "--dir", dirs.ClinicDir, "--json");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal("", run.Error);
        var info = JsonNode.Parse(run.Out)!;
        Assert.Equal("7", (string?)info["node"]);
        Assert.Equal(10, (int)info["events"]!);
        Assert.Equal(7UL, (ulong)info["vector"]!["7"]!);
        Assert.Equal(3UL, (ulong)info["vector"]!["1"]!);
        Assert.Equal(new FileInfo(dirs.LogPath).Length, (long)info["logBytes"]!);
        Assert.Equal(dirs.ContractFingerprint, (string?)info["contractFingerprint"]);
        Assert.Equal(0L, (long)info["quarantined"]!);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", (string)info["oldest"]!);
        Assert.True(string.CompareOrdinal((string)info["oldest"]!, (string)info["newest"]!) <= 0);
        var peer = Assert.Single(info["peers"]!.AsArray())!;
        Assert.Equal("1", (string?)peer["node"]);
        Assert.Equal(5UL, (ulong)peer["holds"]!["7"]!);
        Assert.Equal(2UL, (ulong)peer["behind"]!); // the two readings recorded after the sync
        var origins = info["origins"]!.AsArray();
        Assert.Equal(["1", "7"], origins.Select(o => (string)o!["origin"]!));
        Assert.Equal([3L, 7L], origins.Select(o => (long)o!["events"]!));
    }

    [Fact]
    public async Task Info_as_text_names_the_node_and_its_peer_and_works_on_an_encrypted_log_without_its_key()
    {
        using var dirs = await NodeDirectories.CreateAsync(encrypted: true);
        var run = await ToolRun.RunAsync("info", "--dir", dirs.ClinicDir);
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("node 7 in ", run.Out);
        Assert.Contains("cipher Aes256Gcm", run.Out);
        Assert.Contains(run.OutLines, l => l.StartsWith("1 ", StringComparison.Ordinal) && l.Contains("7:5"));
    }

    [Fact]
    public async Task A_running_node_is_not_read_behind_its_back()
    {
        using var dirs = await NodeDirectories.CreateAsync();
        await using var running = await ZamEngine<Contracts.V1.ReadingsState>.OpenAsync(dirs.ClinicDir, new NodeId(NodeDirectories.Clinic));
        var before = NodeDirectories.Fingerprint(dirs.ClinicDir);
        foreach (var command in new[] { "info", "audit", "verify" })
        {
            var run = await ToolRun.RunAsync(command, "--dir", dirs.ClinicDir);
            Assert.Equal(1, run.ExitCode);
            var line = Assert.Single(run.ErrorLines);
            Assert.Contains("in use by a running node", line);
            Assert.Contains(dirs.ClinicDir, line);
            Assert.Equal("", run.Out);
        }
        Assert.Equal(before, NodeDirectories.Fingerprint(dirs.ClinicDir));
    }

    [Fact]
    public async Task An_engine_cannot_open_the_directory_while_the_tool_reads_it()
    {
        using var dirs = await NodeDirectories.CreateAsync();
        using (var inspector = Inspection.DataDirectoryInspector.Open(dirs.ClinicDir))
        {
            Assert.True(inspector.Locked);
            await Assert.ThrowsAsync<DataDirectoryLockedException>(() =>
                ZamEngine<Contracts.V1.ReadingsState>.OpenAsync(dirs.ClinicDir, new NodeId(NodeDirectories.Clinic)));
        }
        await using var reopened = await ZamEngine<Contracts.V1.ReadingsState>.OpenAsync(dirs.ClinicDir, new NodeId(NodeDirectories.Clinic));
        Assert.Equal(7UL, reopened.Known[new NodeId(NodeDirectories.Clinic)]);
    }
}

using System.Text.Json.Nodes;

namespace ZamSync.Tool.Tests;

public sealed class VerifyTests
{
    [Fact]
    public async Task Verify_passes_a_whole_directory_and_changes_nothing()
    {
        using var dirs = await NodeDirectories.CreateAsync(encrypted: true);
        var before = NodeDirectories.Fingerprint(dirs.ClinicDir);
        var run = await ToolRun.RunAsync("verify", "--dir", dirs.ClinicDir, "--key", dirs.KeyFile, "--json");
        Assert.True(run.ExitCode == 0, run.Out + run.Error);
        var report = JsonNode.Parse(run.Out)!;
        Assert.True((bool)report["ok"]!);
        Assert.Equal(10L, (long)report["authenticated"]!);
        Assert.Equal(1, (int)report["peers"]!);
        Assert.Empty(report["problems"]!.AsArray());
        Assert.Equal(before, NodeDirectories.Fingerprint(dirs.ClinicDir));
    }

    [Fact]
    public async Task Verify_finds_a_flipped_byte_with_its_offset_and_changes_nothing()
    {
        using var dirs = await NodeDirectories.CreateAsync();
        var victim = AuditTests.Records(dirs.LogPath)[5];
        AuditTests.FlipByte(dirs.LogPath, victim.Offset + 20); // inside the header: its checksum fails
        var before = NodeDirectories.Fingerprint(dirs.ClinicDir);
        var run = await ToolRun.RunAsync("verify", "--dir", dirs.ClinicDir);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains(run.OutLines, l => l.StartsWith("problem: ", StringComparison.Ordinal) && l.Contains(dirs.LogPath) && l.Contains($"at byte {victim.Offset}:"));
        // Damage before the last batch: the engine would refuse to open, and verify says so.
        Assert.Contains(run.OutLines, l => l.StartsWith("note: the engine refuses to open this log", StringComparison.Ordinal));
        Assert.Contains("fails verification", Assert.Single(run.ErrorLines));
        Assert.Equal(before, NodeDirectories.Fingerprint(dirs.ClinicDir));
    }

    [Fact]
    public async Task Verify_finds_a_truncated_peer_table_naming_the_file_and_offset()
    {
        using var dirs = await NodeDirectories.CreateAsync();
        string peers = Path.Combine(dirs.ClinicDir, "peers.log");
        long length = new FileInfo(peers).Length;
        using (var file = File.Open(peers, FileMode.Open, FileAccess.ReadWrite)) file.SetLength(length - 3);
        var run = await ToolRun.RunAsync("verify", "--dir", dirs.ClinicDir, "--json");
        Assert.Equal(1, run.ExitCode);
        var problem = Assert.Single(JsonNode.Parse(run.Out)!["problems"]!.AsArray())!;
        Assert.Equal(peers, (string?)problem["file"]);
        Assert.Equal(8L, (long)problem["offset"]!); // the only record, right after the magic
        Assert.Contains("torn", (string?)problem["reason"]);
    }

    [Fact]
    public async Task Verify_finds_a_snapshot_that_no_longer_describes_the_log()
    {
        using var dirs = await NodeDirectories.CreateAsync();
        using var hub = await NodeDirectories.CreateAsync();
        // Another directory's snapshot: another log generation.
        File.Copy(Path.Combine(hub.HubDir, "state.snapshot"), Path.Combine(dirs.ClinicDir, "state.snapshot"), overwrite: true);
        var run = await ToolRun.RunAsync("verify", "--dir", dirs.ClinicDir, "--json");
        Assert.Equal(1, run.ExitCode);
        var problem = Assert.Single(JsonNode.Parse(run.Out)!["problems"]!.AsArray())!;
        Assert.EndsWith("state.snapshot", (string?)problem["file"]);
        Assert.Contains("generation", (string?)problem["reason"]);
    }

    [Fact]
    public async Task Verify_of_an_encrypted_log_without_its_key_does_not_pass()
    {
        using var dirs = await NodeDirectories.CreateAsync(encrypted: true);
        var run = await ToolRun.RunAsync("verify", "--dir", dirs.ClinicDir);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains(run.OutLines, l => l.Contains("no key was given") && l.Contains("--key"));
    }
}

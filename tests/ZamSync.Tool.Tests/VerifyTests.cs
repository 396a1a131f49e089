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

    // ---- the fold check (--contract): the run-time backstop of deterministic Apply ----

    private static string Deterministic => typeof(Contracts.V1.ReadingsState).Assembly.Location;

    private static string Drifting => typeof(Contracts.Drifting.DriftingState).Assembly.Location;

    [Fact]
    public async Task Verify_with_the_contract_folds_the_log_twice_and_finds_the_same_state_as_the_snapshot()
    {
        using var dirs = await NodeDirectories.CreateAsync(encrypted: true);
        var before = NodeDirectories.Fingerprint(dirs.ClinicDir);
        var run = await ToolRun.RunAsync("verify", "--dir", dirs.ClinicDir, "--key", dirs.KeyFile, "--contract", Deterministic, "--json");
        Assert.True(run.ExitCode == 0, run.Out + run.Error);
        var fold = JsonNode.Parse(run.Out)!["fold"]!;
        Assert.True((bool)fold["holds"]!);
        Assert.Equal(10L, (long)fold["events"]!);
        Assert.Equal((string?)fold["first"], (string?)fold["second"]);
        Assert.Equal((string?)fold["first"], (string?)fold["snapshot"]); // the clean close left a snapshot of this log
        Assert.Equal(before, NodeDirectories.Fingerprint(dirs.ClinicDir)); // read-only, fold check included
    }

    [Fact]
    public async Task Verify_with_a_nondeterministic_state_reports_two_folds_that_differ()
    {
        using var dirs = await NodeDirectories.CreateAsync();
        var run = await ToolRun.RunAsync("verify", "--dir", dirs.ClinicDir, "--contract", Drifting);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains(run.OutLines, l => l.StartsWith("problem: ", StringComparison.Ordinal) && l.Contains("two folds of the same 10 events gave different states"));
        Assert.Contains("fails verification", Assert.Single(run.ErrorLines));
    }

    [Fact]
    public async Task Verify_refuses_a_missing_contract_assembly_naming_it()
    {
        using var dirs = await NodeDirectories.CreateAsync();
        var missing = await ToolRun.RunAsync("verify", "--dir", dirs.ClinicDir, "--contract", Path.Combine(dirs.ClinicDir, "nope.dll"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("nope.dll' does not exist", Assert.Single(missing.ErrorLines));
    }
}

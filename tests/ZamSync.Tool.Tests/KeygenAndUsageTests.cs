using System.Diagnostics;
using Contracts.V1;
using ZamSync.Wal;

namespace ZamSync.Tool.Tests;

public sealed class KeygenAndUsageTests
{
    [Fact]
    public async Task Keygen_writes_an_owner_only_key_that_opens_an_encrypted_node_and_never_overwrites()
    {
        using var dirs = await NodeDirectories.CreateAsync();
        string path = Path.Combine(dirs.Root, "new.key");
        var run = await ToolRun.RunAsync("keygen", "--out", path);
        Assert.True(run.ExitCode == 0, run.Error);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        string written = File.ReadAllText(path);

        var again = await ToolRun.RunAsync("keygen", "--out", path);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already exists", Assert.Single(again.ErrorLines));
        Assert.Equal(written, File.ReadAllText(path));

        // The key opens a new encrypted node, and the tool reads that node with the same file.
        string node = Path.Combine(dirs.Root, "encrypted");
        var key = Convert.FromHexString(written.Trim());
        await using (var engine = await ZamEngine<ReadingsState>.OpenAsync(node, new NodeId(9),
            new ZamEngineOptions { Wal = new WalOptions { Cipher = WalCipherKind.ChaCha20Poly1305, Key = key } }))
            await engine.SubmitAsync(new Reading("x", 1));
        var audit = await ToolRun.RunAsync("audit", "--dir", node, "--key", path, "--format", "csv");
        Assert.True(audit.ExitCode == 0, audit.Error);
        Assert.Equal(2, audit.OutLines.Length);
    }

    [Theory]
    [InlineData("audit", "--dir", "x", "--head", "2", "--tail", "2")]
    [InlineData("audit", "--dir", "x", "--format", "xml")]
    [InlineData("audit", "--dir", "x", "--since", "03/12/2026")]
    [InlineData("audit", "--dir", "x", "--origin", "0")]
    [InlineData("info")]
    [InlineData("info", "--dir", "x", "--bogus")]
    [InlineData("nonsense")]
    public async Task Usage_errors_exit_2_with_one_line_each_and_read_nothing(params string[] args)
    {
        var run = await ToolRun.RunAsync(args);
        Assert.Equal(2, run.ExitCode);
        Assert.NotEmpty(run.ErrorLines);
        Assert.All(run.ErrorLines, l => Assert.StartsWith("error: ", l));
        Assert.DoesNotContain("   at ", run.Error);
    }

    [Fact]
    public async Task A_directory_that_is_not_a_node_fails_with_one_line_naming_it()
    {
        using var dirs = await NodeDirectories.CreateAsync();
        string empty = Path.Combine(dirs.Root, "empty");
        Directory.CreateDirectory(empty);
        var run = await ToolRun.RunAsync("info", "--dir", empty);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains(empty, Assert.Single(run.ErrorLines));
        Assert.Empty(Directory.GetFiles(empty)); // not even a lock file was created
    }

    [Fact]
    public async Task The_tool_runs_as_a_process_with_its_exit_codes()
    {
        using var dirs = await NodeDirectories.CreateAsync();
        string tool = Path.Combine(AppContext.BaseDirectory, "zamsync.dll");
        Assert.True(File.Exists(tool), tool);
        var ok = await RunProcessAsync(tool, "verify", "--dir", dirs.ClinicDir);
        Assert.True(ok.ExitCode == 0, ok.Out + ok.Error);
        Assert.Contains("ok: 10 records", ok.Out);

        AuditTests.FlipByte(dirs.LogPath, AuditTests.Records(dirs.LogPath)[1].Offset + 60);
        var damaged = await RunProcessAsync(tool, "audit", "--dir", dirs.ClinicDir);
        Assert.Equal(1, damaged.ExitCode);
        Assert.DoesNotContain("   at ", damaged.Error);

        var usage = await RunProcessAsync(tool, "audit", "--dir");
        Assert.Equal(2, usage.ExitCode);
    }

    private static async Task<ToolResult> RunProcessAsync(string tool, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(tool);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new ToolResult(process.ExitCode, await output, await errors);
    }
}

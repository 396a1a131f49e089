using System.Text.Json.Nodes;
using Contracts.V1;
using ZamSync.Hosting.Control;
using ZamSync.Hosting.Control.Operations;
using ZamSync.Wal;

namespace ZamSync.Tool.Tests;

/// <summary>
/// <c>compact</c> and <c>expire</c> on real directories, plain and encrypted, stopped (opened with the engine and the
/// contract assembly) and running (through the control endpoint).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class CompactTests : IDisposable
{
    private const ulong ClinicId = 7, HubId = 1;
    private static readonly DateTimeOffset January = new(2026, 1, 10, 8, 0, 0, TimeSpan.Zero), June = new(2026, 6, 10, 8, 0, 0, TimeSpan.Zero);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "zs-cp-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly byte[] _key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);

    public CompactTests() => Directory.CreateDirectory(_root);

    private string Clinic => Path.Combine(_root, "clinic");
    private string KeyFile => Path.Combine(_root, "data.key");
    private static string ContractDll => typeof(ReadingsState).Assembly.Location;

    private ZamEngineOptions Options(bool encrypted, TimeProvider clock) => new()
    {
        TimeProvider = clock,
        Wal = encrypted ? new WalOptions { Cipher = WalCipherKind.Aes256Gcm, Key = _key } : new WalOptions(),
    };

    /// <summary>
    /// Clinic 7: 20 readings in January and 10 in June, all synced to hub 1 (which holds them), then 4 more the hub
    /// has not received. Stopped when this returns.
    /// </summary>
    private async Task<string> CreateAsync(bool encrypted)
    {
        File.WriteAllText(KeyFile, Convert.ToHexString(_key));
        var clock = new SetClock(January);
        await using var hub = await ZamEngine<ReadingsState>.OpenAsync(Path.Combine(_root, "hub"), new NodeId(HubId), Options(encrypted, clock));
        await using var clinic = await ZamEngine<ReadingsState>.OpenAsync(Clinic, new NodeId(ClinicId), Options(encrypted, clock));
        for (int i = 0; i < 20; i++) await clinic.SubmitAsync(new Reading($"jan-{i}", i));
        clock.Now = June;
        for (int i = 0; i < 10; i++) await clinic.SubmitAsync(new Reading($"jun-{i}", i));
        await BackupTests.SyncAsync(clinic, hub);
        for (int i = 0; i < 4; i++) await clinic.SubmitAsync(new Reading($"unsent-{i}", i));
        return clinic.Read(s => string.Join(',', s.Values));
    }

    [Fact]
    public async Task Compact_of_a_stopped_encrypted_node_drops_what_the_hub_holds_keeps_what_it_lacks_and_never_regresses_a_sequence()
    {
        string state = await CreateAsync(encrypted: true);
        var run = await ToolRun.RunAsync("compact", "--dir", Clinic, "--key", KeyFile, "--contract", ContractDll, "--json");
        Assert.True(run.ExitCode == 0, run.Out + run.Error);
        var report = JsonNode.Parse(run.Out)!;
        Assert.Equal(30L, (long)report["eventsDropped"]!);
        Assert.Equal(30L, (long)report["droppedPerOrigin"]![ClinicId.ToString()]!);
        Assert.Equal(30UL, (ulong)report["floors"]![ClinicId.ToString()]!);
        Assert.Equal("peers lack", (string?)report["stoppedBy"]);
        Assert.True((long)report["bytesFreed"]! > 0);
        Assert.False((bool)report["running"]!);

        Assert.Equal(0, (await ToolRun.RunAsync("verify", "--dir", Clinic, "--key", KeyFile)).ExitCode);
        await using var reopened = await ZamEngine<ReadingsState>.OpenAsync(Clinic, new NodeId(ClinicId), Options(true, TimeProvider.System));
        Assert.Equal(state, reopened.Read(s => string.Join(',', s.Values)));
        Assert.Equal(34UL, reopened.Known[new NodeId(ClinicId)]);
        Assert.Equal([31UL, 32, 33, 34], reopened.ReadEvents(new NodeId(ClinicId), 31).Select(e => e.Sequence));
        Assert.Equal(35UL, (await reopened.SubmitAsync(new Reading("next", 1))).Sequence);
    }

    [Fact]
    public async Task Expire_drops_only_what_is_older_than_the_date_keeps_the_newest_per_origin_and_a_dry_run_changes_nothing()
    {
        string state = await CreateAsync(encrypted: false);
        string log = Path.Combine(Clinic, "events.wal");
        var logBefore = File.ReadAllBytes(log);
        var dry = await ToolRun.RunAsync("expire", "--dir", Clinic, "--contract", ContractDll, "--before", "2026-03-01", "--dry-run");
        Assert.True(dry.ExitCode == 0, dry.Out + dry.Error);
        Assert.Contains("dry run: would drop 20 events (7: 20)", dry.Out);
        Assert.Contains("held back by: before", dry.Out);
        Assert.Equal(logBefore, File.ReadAllBytes(log));

        // Keep the newest 25 of origin 7's 34: only 9 may go, though 20 are older than the date.
        var kept = await ToolRun.RunAsync("expire", "--dir", Clinic, "--contract", ContractDll, "--before", "2026-03-01", "--keep-per-origin", "25", "--json");
        Assert.True(kept.ExitCode == 0, kept.Out + kept.Error);
        var report = JsonNode.Parse(kept.Out)!;
        Assert.Equal(9L, (long)report["eventsDropped"]!);
        Assert.Equal("keep per origin", (string?)report["stoppedBy"]);

        var run = await ToolRun.RunAsync("expire", "--dir", Clinic, "--contract", ContractDll, "--before", "2026-03-01T00:00:00Z");
        Assert.True(run.ExitCode == 0, run.Out + run.Error);
        Assert.Contains("dropped 11 events (7: 11) and freed", run.Out);
        Assert.Contains("floors now 7:20", run.Out);

        Assert.Equal(0, (await ToolRun.RunAsync("verify", "--dir", Clinic)).ExitCode);
        await using var reopened = await ZamEngine<ReadingsState>.OpenAsync(Clinic, new NodeId(ClinicId));
        Assert.Equal(state, reopened.Read(s => string.Join(',', s.Values)));
        Assert.Equal(20UL, reopened.Compacted[new NodeId(ClinicId)]);
        Assert.Equal(14, reopened.ReadEvents(new NodeId(ClinicId), 21).Count());
    }

    [Fact]
    public async Task A_running_node_compacts_through_its_control_endpoint_and_a_stopped_one_needs_its_contract()
    {
        await CreateAsync(encrypted: true);
        var usage = await ToolRun.RunAsync("compact", "--dir", Clinic, "--key", KeyFile);
        Assert.Equal(2, usage.ExitCode);
        Assert.Contains("--contract PATH.dll", Assert.Single(usage.ErrorLines));
        var noKey = await ToolRun.RunAsync("compact", "--dir", Clinic, "--contract", ContractDll);
        Assert.Equal(1, noKey.ExitCode);
        Assert.Contains("encrypted", Assert.Single(noKey.ErrorLines));

        await using var clinic = await ZamEngine<ReadingsState>.OpenAsync(Clinic, new NodeId(ClinicId), Options(true, TimeProvider.System));
        var refused = await ToolRun.RunAsync("compact", "--dir", Clinic, "--key", KeyFile, "--contract", ContractDll);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("serves no control endpoint", Assert.Single(refused.ErrorLines));

        await using var control = new ControlServer(ControlEndpoint.DefaultSocketPath(Clinic), [new CompactOperation(clinic)]);
        await control.StartAsync();
        var run = await ToolRun.RunAsync("expire", "--dir", Clinic, "--before", "2026-03-01", "--json");
        Assert.True(run.ExitCode == 0, run.Out + run.Error);
        var report = JsonNode.Parse(run.Out)!;
        Assert.True((bool)report["running"]!);
        Assert.Equal(20L, (long)report["eventsDropped"]!);
        Assert.Equal(20UL, clinic.Compacted[new NodeId(ClinicId)]);
        Assert.Equal(35UL, (await clinic.SubmitAsync(new Reading("next", 1))).Sequence);
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private sealed class SetClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }
}

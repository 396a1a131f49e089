using System.Text.Json.Nodes;
using Clinic.Contracts;
using Clinic.Node;
using ZamSync;
using ZamSync.Net.Hub;
using ZamSync.Testing;
using ZamSync.Net.Tcp;

namespace Clinic.Tests;

/// <summary>The clinic as a running service: the command line talks to it instead of fighting it for the directory.</summary>
public sealed class NodeServiceTests : IDisposable
{
    private readonly Workspace _workspace = new();

    private string Dir(string name) => _workspace.Dir(name);

    public void Dispose() => _workspace.Dispose();

    private static int FreePort() => Workspace.FreePort();

    private static async Task<JsonObject> StatusJsonAsync(string dir)
    {
        var console = new TestConsole();
        Assert.Equal(0, await console.RunAsync("status", "--dir", dir, "--json"));
        return JsonNode.Parse(console.Output)!.AsObject();
    }

    /// <summary>A hub engine served behind a simulated link, the way the demo runs one, for a node to sync with.</summary>
    private sealed class LinkedHub : IAsyncDisposable
    {
        private LinkedHub(ZamEngine<ClinicNetworkState> engine, ZamHub hub, LinkSimulator link) => (Engine, Hub, Link) = (engine, hub, link);

        public ZamEngine<ClinicNetworkState> Engine { get; }
        public ZamHub Hub { get; }
        public LinkSimulator Link { get; }

        public static async Task<LinkedHub> StartAsync(string directory, int bytesPerSecond)
        {
            var dir = new NodeDirectory(directory);
            var engine = await dir.OpenAsync();
            var hub = new ZamHub(engine, new ZamHubOptions { Listen = "127.0.0.1:0", Transport = new TcpTransportOptions { Tls = dir.LoadTls() } });
            await hub.StartAsync();
            var link = new LinkSimulator(hub.LocalEndPoint) { OneWayDelay = TimeSpan.FromMilliseconds(20), BytesPerSecond = bytesPerSecond };
            return new LinkedHub(engine, hub, link);
        }

        /// <summary>Completes once the hub holds <paramref name="origin"/>'s events up to <paramref name="sequence"/> (its change feed says so).</summary>
        public async Task HoldsAsync(ulong origin, ulong sequence)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await foreach (var change in Engine.Changes(null, timeout.Token))
                if (change.Envelope.Origin.Value == origin && change.Envelope.Sequence >= sequence) return;
        }

        public async ValueTask DisposeAsync()
        {
            await Link.DisposeAsync();
            await Hub.DisposeAsync();
            await Engine.DisposeAsync();
        }
    }

    [Fact]
    public async Task While_the_node_syncs_every_second_through_a_slow_link_a_hundred_submits_and_status_go_through_it()
    {
        var console = new TestConsole();
        await _workspace.InitDeploymentAsync(); // with patient P-001 registered: one event
        await using var hub = await LinkedHub.StartAsync(Dir("hub"), bytesPerSecond: 20_000);

        using var stop = new CancellationTokenSource();
        var nodeConsole = new TestConsole();
        var running = nodeConsole.RunAsync(["node", "--dir", Dir("clinic"), "--hub", hub.Link.Address, "--hub-id", "1000", "--every", "1s", "--max-bytes", "4kB"], stop.Token);
        try
        {
            await nodeConsole.WaitForAsync("running").WaitAsync(TimeSpan.FromSeconds(30));
            for (int i = 1; i < 100; i++)
            {
                int exit = await console.RunAsync("submit", "visit", "--dir", Dir("clinic"), "--patient", "P-001", "--visit", $"V{i}", "--reason", "check-up");
                Assert.True(exit == 0, $"submit {i} failed: {console.Errors}");
            }
            // A check that needs the state runs in the node too: an unknown patient is refused there, nothing stored.
            Assert.Equal(1, await console.RunAsync("submit", "visit", "--dir", Dir("clinic"), "--patient", "P-404", "--visit", "V0", "--reason", "x"));
            Assert.Contains("patient 'P-404' is not registered", console.Errors);

            // The replicator carries everything to the hub, a 4 kB session at a time, on its own.
            await hub.HoldsAsync(7, 100);
            await nodeConsole.WaitForAsync("synced with hub 1000").WaitAsync(TimeSpan.FromSeconds(30));

            var status = await StatusJsonAsync(Dir("clinic"));
            Assert.True((bool)status["running"]!);
            Assert.Equal(100, (long)status["events"]!);
            Assert.Equal(100, (int)status["clinic"]!["eventsApplied"]!);
            var replicated = status["replicator"]!["peers"]!.AsArray().Single()!;
            Assert.Equal("1000", (string?)replicated["peer"]);
            Assert.NotNull((string?)replicated["lastSuccess"]);
            Assert.True((long)replicated["bytesToday"]! > 0);

            // `sync --now` asks the running node; right after a round it may answer that it synced moments ago.
            var now = new TestConsole();
            Assert.Equal(0, await now.RunAsync("sync", "--now", "--dir", Dir("clinic")));
            Assert.Matches("Synced with hub 1000 through the running node|synced with hub 1000 moments ago", now.Output);
            Assert.Equal(2, await now.RunAsync("sync", "--dir", Dir("clinic"), "--hub", hub.Link.Address, "--hub-id", "1000"));
            Assert.Contains("the node is running", now.Errors);
        }
        finally
        {
            stop.Cancel();
            Assert.Equal(0, await running);
        }
        Assert.Contains("Node stopped", nodeConsole.Output);

        // Stopped: the tool opens the directory itself again, and finds all 100.
        var after = await StatusJsonAsync(Dir("clinic"));
        Assert.False((bool)after["running"]!);
        Assert.Equal(100, (long)after["events"]!);
        Assert.False(File.Exists(Path.Combine(Dir("clinic"), "control", "node.sock")));
    }

    [Fact]
    public async Task Sigterm_in_the_middle_of_a_sync_stops_the_node_process_cleanly_and_loses_nothing_acknowledged()
    {
        var console = new TestConsole();
        await _workspace.InitDeploymentAsync(); // with patient P-001 registered: one event
        // A slow link (2 kB/s): the first session takes seconds, so the signal lands while it runs.
        await using var hub = await LinkedHub.StartAsync(Dir("hub"), bytesPerSecond: 2_000);
        using var node = StartProcess("node", "--dir", Dir("clinic"), "--hub", hub.Link.Address, "--hub-id", "1000", "--every", "1s");
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Text.StringBuilder();
        node.OutputDataReceived += (_, e) =>
        {
            lock (output) output.AppendLine(e.Data);
            if (e.Data?.Contains("running;") == true) started.TrySetResult();
        };
        node.BeginOutputReadLine();
        node.BeginErrorReadLine();
        await started.Task.WaitAsync(TimeSpan.FromSeconds(60));

        for (int i = 1; i <= 40; i++)
            Assert.Equal(0, await console.RunAsync("submit", "visit", "--dir", Dir("clinic"), "--patient", "P-001", "--visit", $"V{i}", "--reason", "check-up"));
        await hub.HoldsAsync(7, 1); // a session is under way
        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", node.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        await node.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(node.ExitCode == 0, $"exit {node.ExitCode}: {output}");

        var after = await StatusJsonAsync(Dir("clinic"));
        Assert.False((bool)after["running"]!);
        Assert.Equal(41, (long)after["events"]!);
        Assert.Equal(41, (int)after["clinic"]!["eventsApplied"]!);
    }

    /// <summary>The clinic tool as its own process (the one this test project builds), output redirected.</summary>
    private static System.Diagnostics.Process StartProcess(params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(typeof(ClinicApp).Assembly.Location);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        return System.Diagnostics.Process.Start(start)!;
    }

    [Fact]
    public async Task Status_on_a_serving_hub_shows_each_clinic_last_sync()
    {
        var console = new TestConsole();
        Assert.Equal(0, await console.RunAsync("init", "--dir", Dir("hub"), "--node", "1000", "--hub", "--name", "district"));
        Assert.Equal(0, await console.RunAsync("init", "--dir", Dir("clinic"), "--node", "7", "--name", "khaling"));
        Assert.Equal(0, await console.RunAsync("issue", "--hub-dir", Dir("hub"), "--dir", Dir("clinic")));
        Assert.Equal(0, await console.RunAsync("submit", "register", "--dir", Dir("clinic"), "--patient", "P-001", "--name", "Dorji", "--born", "1990-04-02"));

        int port = FreePort();
        using var stop = new CancellationTokenSource();
        var hubConsole = new TestConsole();
        var serving = hubConsole.RunAsync(["serve", "--dir", Dir("hub"), "--listen", $"127.0.0.1:{port}"], stop.Token);
        try
        {
            await hubConsole.WaitForAsync("serving on").WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, await console.RunAsync("sync", "--dir", Dir("clinic"), "--hub", $"127.0.0.1:{port}", "--hub-id", "1000"));
            await hubConsole.WaitForAsync("node 7: 1 sessions").WaitAsync(TimeSpan.FromSeconds(30));

            var status = await StatusJsonAsync(Dir("hub"));
            Assert.True((bool)status["running"]!);
            Assert.Equal(1, (long)status["events"]!);
            var peer = status["hub"]!["peers"]!.AsArray().Single()!;
            Assert.Equal("7", (string?)peer["node"]);
            Assert.NotNull((string?)peer["lastSuccess"]);

            var text = new TestConsole();
            Assert.Equal(0, await text.RunAsync("status", "--dir", Dir("hub")));
            Assert.Contains("running", text.Output);
            Assert.DoesNotContain("not since the hub started", text.Output);
            Assert.Contains("1 (0 failed)", text.Output);
        }
        finally
        {
            stop.Cancel();
            Assert.Equal(0, await serving);
        }
    }

    [Fact]
    public async Task Init_service_writes_a_systemd_unit_that_runs_the_node_confined_to_its_directory()
    {
        var console = new TestConsole();
        Assert.Equal(0, await console.RunAsync("init", "--dir", Dir("clinic"), "--node", "7", "--name", "khaling", "--service",
            "--hub-address", "hub.example:7000", "--hub-id", "1000", "--every", "10m", "--max-bytes-per-day", "20MB"));
        string unit = File.ReadAllText(Path.Combine(Dir("clinic"), "zamsync-clinic-7.service"));
        Assert.Matches(@"(?m)^ExecStart=\S+.* node --dir " + System.Text.RegularExpressions.Regex.Escape(Dir("clinic")) +
                       " --hub hub.example:7000 --hub-id 1000 --every 10m --max-bytes-per-day 20MB$", unit);
        Assert.Contains($"WorkingDirectory={Dir("clinic")}", unit);
        Assert.Contains($"ReadWritePaths={Dir("clinic")}", unit);
        Assert.Contains("Restart=on-failure", unit);
        Assert.Contains("ProtectSystem=strict", unit);
        Assert.Contains("systemctl enable --now zamsync-clinic-7", console.Output);

        // On a directory already initialised, --service only writes the unit (and a hub's serves on --listen).
        Assert.Equal(0, await console.RunAsync("init", "--dir", Dir("hub"), "--node", "1000", "--hub", "--name", "district"));
        Assert.Equal(0, await console.RunAsync("init", "--dir", Dir("hub"), "--service", "--listen", "0.0.0.0:7443"));
        string hubUnit = File.ReadAllText(Path.Combine(Dir("hub"), "zamsync-hub-1000.service"));
        Assert.Contains($" serve --dir {Dir("hub")} --listen 0.0.0.0:7443", hubUnit);

        Assert.Equal(2, await console.RunAsync("init", "--dir", Dir("hub"), "--service", "--hub-id", "1000"));
        Assert.Contains("--hub-address is required", console.Errors);
        Assert.Equal(2, await console.RunAsync("init", "--dir", Dir("third")));
        Assert.Contains("--node is required", console.Errors);
    }
}

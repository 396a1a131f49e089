namespace Clinic.Tests;

/// <summary>The operator's workflow, command by command, in-process: init, issue, submit, serve, sync, status.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly Workspace _workspace = new();

    private string Dir(string name) => _workspace.Dir(name);

    public void Dispose() => _workspace.Dispose();

    private static int FreePort() => Workspace.FreePort();

    [Fact]
    public async Task Sync_on_an_interval_keeps_trying_while_the_hub_is_unreachable_and_syncs_once_it_is_up()
    {
        var console = new TestConsole();
        Assert.Equal(0, await console.RunAsync("init", "--dir", Dir("hub"), "--node", "1000", "--hub", "--name", "district"));
        Assert.Equal(0, await console.RunAsync("init", "--dir", Dir("clinic"), "--node", "7", "--name", "khaling"));
        Assert.Equal(0, await console.RunAsync("issue", "--hub-dir", Dir("hub"), "--dir", Dir("clinic")));
        Assert.Equal(0, await console.RunAsync("submit", "register", "--dir", Dir("clinic"), "--patient", "P-001", "--name", "Dorji", "--born", "1990-04-02"));

        int port = FreePort(); // nothing listens there yet
        using var stopSync = new CancellationTokenSource();
        var syncConsole = new TestConsole();
        var syncing = syncConsole.RunAsync(["sync", "--dir", Dir("clinic"), "--hub", $"127.0.0.1:{port}", "--hub-id", "1000", "--every", "00:00:00.05"], stopSync.Token);
        await syncConsole.WaitForAsync("attempt 2").WaitAsync(TimeSpan.FromSeconds(30));

        using var stopHub = new CancellationTokenSource();
        var hubConsole = new TestConsole();
        var serving = hubConsole.RunAsync(["serve", "--dir", Dir("hub"), "--listen", $"127.0.0.1:{port}"], stopHub.Token);
        try
        {
            await syncConsole.WaitForAsync("Synced").WaitAsync(TimeSpan.FromSeconds(30));
            stopSync.Cancel();
            Assert.Equal(0, await syncing);
        }
        finally
        {
            stopSync.Cancel();
            stopHub.Cancel();
            Assert.Equal(0, await serving);
        }
        Assert.Contains("sent 1 events", syncConsole.Output);
        Assert.Contains("node 7: 1 sessions, 0 failed", hubConsole.Output);
    }

    [Fact]
    public async Task A_clinic_records_offline_then_syncs_with_a_hub_over_mutual_TLS()
    {
        var console = new TestConsole();
        Assert.Equal(0, await console.RunAsync("init", "--dir", Dir("hub"), "--node", "1000", "--hub", "--name", "district"));
        Assert.Equal(0, await console.RunAsync("init", "--dir", Dir("clinic"), "--node", "7", "--name", "khaling"));
        Assert.Equal(0, await console.RunAsync("issue", "--hub-dir", Dir("hub"), "--dir", Dir("clinic")));
        Assert.Equal(0, await console.RunAsync("submit", "register", "--dir", Dir("clinic"), "--patient", "P-001", "--name", "Dorji", "--born", "1990-04-02"));
        Assert.Equal(0, await console.RunAsync("submit", "vitals", "--dir", Dir("clinic"), "--patient", "P-001", "--visit", "V1", "--systolic", "120", "--diastolic", "80", "--temp", "36.8"));

        int port = FreePort();
        using var stop = new CancellationTokenSource();
        var hubConsole = new TestConsole();
        var serving = hubConsole.RunAsync(["serve", "--dir", Dir("hub"), "--listen", $"127.0.0.1:{port}"], stop.Token);
        try
        {
            await hubConsole.WaitForAsync("serving on").WaitAsync(TimeSpan.FromSeconds(30));
            int sync = await console.RunAsync("sync", "--dir", Dir("clinic"), "--hub", $"127.0.0.1:{port}", "--hub-id", "1000", "--max-bytes", "100000");
            Assert.Equal(0, sync);
            Assert.Contains("sent 2 events", console.Output);
        }
        finally
        {
            stop.Cancel();
            Assert.Equal(0, await serving);
        }

        var status = new TestConsole();
        Assert.Equal(0, await status.RunAsync("status", "--dir", Dir("hub")));
        Assert.Contains("1 patients, 2 events applied", status.Output);
        Assert.Matches(@"│\s*7\s*│\s*2\s*│", status.Output);

        var clinicStatus = new TestConsole();
        Assert.Equal(0, await clinicStatus.RunAsync("status", "--dir", Dir("clinic")));
        Assert.Contains("last sync: ", clinicStatus.Output);
        Assert.Contains("with hub 1000: sent 2 events, received 0", clinicStatus.Output);
        Assert.Matches(@"│\s*1000\s*│\s*0\s*│", clinicStatus.Output); // nothing waiting for the hub any more
    }

    [Fact]
    public async Task Operator_mistakes_get_one_clear_line_and_a_nonzero_exit_code()
    {
        var console = new TestConsole();
        Assert.NotEqual(0, await console.RunAsync("frobnicate"));

        Assert.Equal(1, await console.RunAsync("status", "--dir", Dir("nowhere")));
        Assert.Contains("error: ", console.Errors);
        Assert.Contains("not a ZamSync node directory", console.Errors);

        Assert.Equal(0, await console.RunAsync("init", "--dir", Dir("hub"), "--node", "1000", "--hub"));
        Assert.Equal(0, await console.RunAsync("init", "--dir", Dir("clinic"), "--node", "7"));
        Assert.Equal(1, await console.RunAsync("sync", "--dir", Dir("clinic"), "--hub", "127.0.0.1:1", "--hub-id", "1000"));
        Assert.Contains("no certificate yet", console.Errors);

        Assert.Equal(0, await console.RunAsync("issue", "--hub-dir", Dir("hub"), "--dir", Dir("clinic")));
        var wrongAddress = new TestConsole();
        Assert.Equal(1, await wrongAddress.RunAsync("sync", "--dir", Dir("clinic"), "--hub", "not-an-address", "--hub-id", "1000"));
        Assert.Contains("host:port", wrongAddress.Errors);

        var nobodyHome = new TestConsole();
        Assert.Equal(1, await nobodyHome.RunAsync("sync", "--dir", Dir("clinic"), "--hub", $"127.0.0.1:{FreePort()}", "--hub-id", "1000"));
        Assert.Contains("error: ", nobodyHome.Errors);

        // A certificate from another deployment's CA is refused by the hub.
        Assert.Equal(0, await console.RunAsync("init", "--dir", Dir("other-hub"), "--node", "2000", "--hub"));
        Assert.Equal(0, await console.RunAsync("init", "--dir", Dir("stranger"), "--node", "9"));
        Assert.Equal(0, await console.RunAsync("issue", "--hub-dir", Dir("other-hub"), "--dir", Dir("stranger")));
        int port = FreePort();
        using var stop = new CancellationTokenSource();
        var hubConsole = new TestConsole();
        var serving = hubConsole.RunAsync(["serve", "--dir", Dir("hub"), "--listen", $"127.0.0.1:{port}"], stop.Token);
        try
        {
            await hubConsole.WaitForAsync("serving on").WaitAsync(TimeSpan.FromSeconds(30));
            var stranger = new TestConsole();
            int exit = await stranger.RunAsync("sync", "--dir", Dir("stranger"), "--hub", $"127.0.0.1:{port}", "--hub-id", "1000");
            Assert.Equal(1, exit);
            Assert.Contains("error: ", stranger.Errors);
            // ... and the hub's operator sees it: one warning naming the address and why.
            await hubConsole.WaitForAsync("warn: ").WaitAsync(TimeSpan.FromSeconds(30));
            var warnings = hubConsole.Output.Split('\n').Where(l => l.Contains("warn: ")).ToArray();
            Assert.Single(warnings);
            Assert.Contains("127.0.0.1", warnings[0]);
        }
        finally
        {
            stop.Cancel();
            await serving;
        }
    }
}

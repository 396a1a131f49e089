using System.Net;
using System.Net.Sockets;

namespace Clinic.Tests;

/// <summary>A temporary folder of node directories for one test, removed afterwards, and the commands to fill it.</summary>
internal sealed class Workspace : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "zamsync-cli-" + Guid.NewGuid().ToString("N")[..8]);

    public string Dir(string name) => Path.Combine(_root, name);

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Hub 1000 in "hub" and clinic 7 in "clinic" with its certificate and one registered patient P-001.</summary>
    public async Task InitDeploymentAsync()
    {
        await Succeed("init", "--dir", Dir("hub"), "--node", "1000", "--hub", "--name", "district");
        await Succeed("init", "--dir", Dir("clinic"), "--node", "7", "--name", "khaling");
        await Succeed("issue", "--hub-dir", Dir("hub"), "--dir", Dir("clinic"));
        await Succeed("submit", "register", "--dir", Dir("clinic"), "--patient", "P-001", "--name", "Dorji", "--born", "1990-04-02");
    }

    /// <summary>Runs a command that must succeed.</summary>
    public static async Task Succeed(params string[] args)
    {
        var console = new TestConsole();
        int exit = await console.RunAsync(args);
        Assert.True(exit == 0, $"`{string.Join(' ', args)}` exited {exit}: {console.Errors}{console.Output}");
    }

    /// <summary>How many events a node's store holds, read with <c>status</c>.</summary>
    public async Task<string> StatusAsync(string name)
    {
        var console = new TestConsole();
        Assert.Equal(0, await console.RunAsync("status", "--dir", Dir(name)));
        return console.Output;
    }

    /// <summary>A hub serving on a free loopback port until disposed.</summary>
    public async Task<ServingHub> ServeAsync(string name = "hub", params string[] extra)
    {
        int port = FreePort();
        var console = new TestConsole();
        var stop = new CancellationTokenSource();
        var serving = console.RunAsync(["serve", "--dir", Dir(name), "--listen", $"127.0.0.1:{port}", .. extra], stop.Token);
        await Task.WhenAny(console.WaitForAsync("serving on"), serving).Unwrap().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(serving.IsCompleted, $"serve ended: {console.Errors}");
        return new ServingHub($"127.0.0.1:{port}", console, stop, serving);
    }

    public sealed record ServingHub(string Address, TestConsole Console, CancellationTokenSource Stop, Task<int> Serving) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Stop.CancelAsync();
            Assert.Equal(0, await Serving);
            Stop.Dispose();
        }
    }
}

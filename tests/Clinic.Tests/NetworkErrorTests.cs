using System.Net;
using System.Net.Sockets;

namespace Clinic.Tests;

/// <summary>A wrong address, a port in use or a hub of another deployment: one line that names the address and says what it means.</summary>
public sealed class NetworkErrorTests : IDisposable
{
    private readonly Workspace _work = new();

    public void Dispose() => _work.Dispose();

    private string[] Sync(string clinic, string address, string hubId = "1000") =>
        ["sync", "--dir", _work.Dir(clinic), "--hub", address, "--hub-id", hubId];

    [Fact]
    public async Task Connection_refused_names_the_address()
    {
        await _work.InitDeploymentAsync();
        string address = $"127.0.0.1:{Workspace.FreePort()}";

        var console = new TestConsole();
        Assert.Equal(1, await console.RunAsync(Sync("clinic", address)));

        AssertError.OneLineNaming(console, address, "connection refused", "hub 1000");
        Assert.Contains("1 events applied", await _work.StatusAsync("clinic"));
    }

    [Fact]
    public async Task An_unknown_host_name_is_named()
    {
        await _work.InitDeploymentAsync();

        var console = new TestConsole();
        Assert.Equal(1, await console.RunAsync(Sync("clinic", "no-such-hub.invalid:7000")));

        AssertError.OneLineNaming(console, "no-such-hub.invalid:7000", "no such host 'no-such-hub.invalid'");
    }

    [Fact]
    public async Task A_port_already_in_use_names_the_address()
    {
        await _work.InitDeploymentAsync();
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        string address = $"127.0.0.1:{((IPEndPoint)squatter.LocalEndpoint).Port}";

        var console = new TestConsole();
        Assert.Equal(1, await console.RunAsync("serve", "--dir", _work.Dir("hub"), "--listen", address));

        AssertError.OneLineNaming(console, address, "already in use");
    }

    [Fact]
    public async Task A_hub_of_another_deployment_is_explained_in_words()
    {
        await _work.InitDeploymentAsync();
        await Workspace.Succeed("init", "--dir", _work.Dir("other-hub"), "--node", "2000", "--hub");
        await Workspace.Succeed("init", "--dir", _work.Dir("stranger"), "--node", "9");
        await Workspace.Succeed("issue", "--hub-dir", _work.Dir("other-hub"), "--dir", _work.Dir("stranger"));
        await using var hub = await _work.ServeAsync();

        var console = new TestConsole();
        Assert.Equal(1, await console.RunAsync(Sync("stranger", hub.Address)));

        AssertError.OneLineNaming(console, hub.Address, "the hub's certificate", "was not issued by this node's deployment CA",
            Path.Combine(_work.Dir("stranger"), "tls", "ca.crt"));
    }

    [Fact]
    public async Task A_hub_with_another_id_is_named()
    {
        await _work.InitDeploymentAsync();
        await using var hub = await _work.ServeAsync();

        var console = new TestConsole();
        Assert.Equal(1, await console.RunAsync(Sync("clinic", hub.Address, hubId: "1001")));

        AssertError.OneLineNaming(console, hub.Address, "expected hub 1001, but the certificate is for node 1000", "--hub-id");
    }

    [Theory]
    [InlineData("init", "--node", "x")]
    [InlineData("init", "--node", "0")]
    [InlineData("init", "--node", "-7")]
    [InlineData("sync", "--hub-id", "hub")]
    [InlineData("sync", "--hub-id", "1e3")]
    public async Task A_node_id_that_is_not_a_number_is_a_usage_error_naming_option_and_value(string command, string option, string value)
    {
        string dir = _work.Dir("never-created");
        string[] args = command == "init"
            ? ["init", "--dir", dir, option, value]
            : ["sync", "--dir", dir, "--hub", "127.0.0.1:1", option, value];

        var console = new TestConsole();
        Assert.Equal(2, await console.RunAsync(args));

        AssertError.OneLineNaming(console, $"{option}: expected a node id", $"got '{value}'");
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public async Task Help_lists_the_exit_codes()
    {
        var console = new TestConsole();
        Assert.Equal(0, await console.RunAsync("--help"));
        Assert.Contains("Exit codes: 0 success, 1 the command failed (message on stderr), 2 usage error", console.Output);
    }
}

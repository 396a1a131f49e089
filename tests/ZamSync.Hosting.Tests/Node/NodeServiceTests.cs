using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ZamSync.Hosting.Node;
using ZamSync.Hosting.Tests.Support;
using ZamSync.Net.Hub;
using ZamSync.Net.Tcp;
using ZamSync.Tests.Support;

namespace ZamSync.Hosting.Tests.Node;

public class NodeServiceTests
{
    private static HostApplicationBuilder NewBuilder(Dictionary<string, string?>? configuration = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        if (configuration is not null) builder.Configuration.AddInMemoryCollection(configuration);
        return builder;
    }

    [Fact]
    public async Task The_host_opens_the_engine_at_start_and_closes_it_at_stop()
    {
        using var dir = new TempDirectory();
        string data = dir.Sub("clinic");
        var builder = NewBuilder();
        builder.Services.AddZamSyncNode<LedgerState>(o => { o.DataDirectory = data; o.NodeId = 7; });
        using var host = builder.Build();
        var node = host.Services.GetRequiredService<ZamNode<LedgerState>>();
        Assert.False(node.IsOpen);
        Assert.False(node.WhenOpen.IsCompleted);

        await host.StartAsync();
        Assert.True(node.IsOpen);
        var engine = await node.WhenOpen;
        Assert.Same(engine, node.Engine);
        Assert.Same(engine, host.Services.GetRequiredService<ZamEngine<LedgerState>>());
        Assert.Same(engine, host.Services.GetRequiredService<ZamEngine>());
        Assert.Same(engine, host.Services.GetRequiredService<IZamNode>().Engine);
        Assert.Equal((new NodeId(7), Path.GetFullPath(data)), (engine.NodeId, engine.DataDirectory));
        await Nodes.SubmitManyAsync(engine, 3, "hosted");
        // While the node runs it is the directory's only writer.
        await Assert.ThrowsAsync<DataDirectoryLockedException>(() => Nodes.OpenAsync(data, 7));

        await host.StopAsync();
        Assert.False(node.IsOpen);
        Assert.Contains("stopped", Assert.Throws<InvalidOperationException>(() => node.Engine).Message);
        // Stopped, the lock is released and what was submitted is durable.
        await using var reopened = await Nodes.OpenAsync(data, 7);
        Assert.Equal(3, reopened.Read(s => s.Count));
    }

    [Fact]
    public async Task The_engine_resolved_before_the_host_starts_explains_how_to_wait_for_it()
    {
        using var dir = new TempDirectory();
        var builder = NewBuilder();
        builder.Services.AddZamSyncNode<LedgerState>(o => { o.DataDirectory = dir.Sub("n"); o.NodeId = 3; });
        using var host = builder.Build();
        var early = Assert.Throws<InvalidOperationException>(() => host.Services.GetRequiredService<ZamEngine>());
        Assert.Contains("not open yet", early.Message);
        Assert.Contains("WhenOpen", early.Message);

        var waiting = host.Services.GetRequiredService<IZamNode>().WhenOpenAsync();
        await host.StartAsync();
        Assert.Same(await waiting, host.Services.GetRequiredService<ZamEngine>()); // the factory retries once open
        await host.StopAsync();
    }

    [Fact]
    public async Task A_hosted_service_registered_before_the_node_still_starts_after_it_and_stops_before_it()
    {
        using var dir = new TempDirectory();
        var builder = NewBuilder();
        var seen = new List<string>();
        builder.Services.AddSingleton(seen);
        builder.Services.AddHostedService<EngineUser>();
        builder.Services.AddZamSyncNode<LedgerState>(o => { o.DataDirectory = dir.Sub("n"); o.NodeId = 4; });
        using var host = builder.Build();
        await host.StartAsync();
        await host.StopAsync();
        Assert.Equal(["start: open 4", "stop: open 4"], seen);
    }

    private sealed class EngineUser(IZamNode node, List<string> seen) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            seen.Add($"start: {(node.IsOpen ? "open" : "closed")} {node.Engine.NodeId}");
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            seen.Add($"stop: {(node.IsOpen ? "open" : "closed")} {node.Engine.NodeId}");
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task Bad_options_fail_the_host_start_naming_each_option()
    {
        using var dir = new TempDirectory();
        var builder = NewBuilder();
        builder.Services.AddZamSyncNode<LedgerState>(o => { o.NodeId = 0; o.MaxClockDrift = TimeSpan.FromSeconds(-1); });
        using var host = builder.Build();
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("ZamSync:Node:DataDirectory: is required", error.Message);
        Assert.Contains("ZamSync:Node:NodeId: is required and must not be 0", error.Message);
        Assert.Contains("ZamSync:Node:MaxClockDrift: must be positive", error.Message);
    }

    [Theory]
    [InlineData(null, "ZamSync:Node:KeyFile: is required when ZamSync:Node:Cipher is Aes256Gcm")]
    [InlineData("missing.key", "ZamSync:Node:KeyFile: cannot read the key file")]
    [InlineData("short.key", "ZamSync:Node:KeyFile: the key file")]
    public async Task An_unusable_key_file_fails_the_start_naming_the_key_file(string? keyFile, string expected)
    {
        using var dir = new TempDirectory();
        File.WriteAllText(Path.Combine(dir.Path, "short.key"), "abcd");
        var builder = NewBuilder();
        builder.Services.AddZamSyncNode<LedgerState>(o =>
        {
            o.DataDirectory = dir.Sub("n");
            o.NodeId = 5;
            o.Cipher = Wal.WalCipherKind.Aes256Gcm;
            o.KeyFile = keyFile is null ? null : Path.Combine(dir.Path, keyFile);
        });
        using var host = builder.Build();
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task Options_bind_from_configuration_including_an_encryption_key_file()
    {
        using var dir = new TempDirectory();
        string keyFile = Path.Combine(dir.Path, "log.key");
        File.WriteAllText(keyFile, Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) + "\n");
        string data = Path.Combine(dir.Path, "bound");
        var builder = NewBuilder(new()
        {
            ["ZamSync:Node:DataDirectory"] = data,
            ["ZamSync:Node:NodeId"] = "42",
            ["ZamSync:Node:MaxClockDrift"] = "00:05:00",
            ["ZamSync:Node:Cipher"] = "Aes256Gcm",
            ["ZamSync:Node:KeyFile"] = keyFile,
        });
        builder.Services.AddZamSyncNode<LedgerState>();
        using var host = builder.Build();
        await host.StartAsync();
        var options = host.Services.GetRequiredService<IOptions<ZamNodeOptions>>().Value;
        Assert.Equal(TimeSpan.FromMinutes(5), options.MaxClockDrift);
        var engine = host.Services.GetRequiredService<ZamEngine>();
        Assert.Equal(new NodeId(42), engine.NodeId);
        await engine.SubmitAsync(1, "secret"u8.ToArray());
        await host.StopAsync();

        // The log was written with the key from the file: without it, it does not open.
        await Assert.ThrowsAsync<WalKeyException>(() => Nodes.OpenAsync(data, 42));
    }

    [Fact]
    public async Task A_section_given_explicitly_is_named_in_validation_messages()
    {
        var builder = NewBuilder(new() { ["Clinic:Node:DataDirectory"] = "/tmp/x", ["Clinic:Node:NodeId"] = "0" });
        builder.Services.AddZamSyncNode<LedgerState>(builder.Configuration.GetSection("Clinic:Node"));
        using var host = builder.Build();
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Clinic:Node:NodeId:", error.Message);
    }

    [Fact]
    public async Task AddZamSyncHub_serves_the_hosted_node_engine_whatever_the_registration_order()
    {
        var hubId = new NodeId(1000);
        using var dir = new TempDirectory();
        using var pki = new TestPki();
        var builder = NewBuilder();
        // The hub is registered first on purpose: the node still opens before the hub starts and closes after it stops.
        builder.Services.AddZamSyncHub(new ZamHubOptions { Listen = "127.0.0.1:0", Transport = new TcpTransportOptions { Tls = pki.Hub(hubId) } });
        builder.Services.AddZamSyncNode<LedgerState>(o => { o.DataDirectory = dir.Sub("hub"); o.NodeId = hubId.Value; });
        using var host = builder.Build();
        await host.StartAsync();
        var hub = host.Services.GetRequiredService<ZamHub>();
        var engine = host.Services.GetRequiredService<ZamEngine<LedgerState>>();

        await using (var clinic = await Nodes.OpenAsync(dir.Sub("clinic"), 7))
        {
            await Nodes.SubmitManyAsync(clinic, 5, "to-hub");
            var (cert, ca) = pki.WriteNodeFiles(dir.Sub("clinic-tls"), clinic.NodeId);
            var tls = new Net.Tls.TlsOptions
            {
                Certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(cert, null),
                Authority = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(ca)),
            };
            await using var link = await TcpTransport.ConnectAsync(hubId, hub.LocalEndPoint.ToString(), new TcpTransportOptions { Tls = tls });
            var stats = await clinic.CreateSession(link).SyncAsync(hubId);
            Assert.Equal(5, stats.EventsSent);
        }
        Assert.Equal(5, engine.Read(s => s.Count));
        await host.StopAsync();
        await using var reopened = await Nodes.OpenAsync(dir.Sub("hub"), hubId.Value);
        Assert.Equal(5, reopened.Read(s => s.Count));
    }
}

using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ZamSync.Hosting.Control;
using ZamSync.Hosting.Tests.Support;
using ZamSync.Net.Hub;
using ZamSync.Net.Tcp;
using ZamSync.Tests.Support;

namespace ZamSync.Hosting.Tests.Control;

public class HostedControlEndpointTests
{
    private static HostApplicationBuilder NewBuilder() =>
        Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });

    [Fact]
    public async Task A_hosted_node_serves_submit_and_status_while_it_runs_and_removes_its_socket_at_stop()
    {
        using var dir = new TempDirectory("hosted");
        string data = dir.Sub("n");
        var builder = NewBuilder();
        builder.Services.AddZamSyncNode<LedgerState>(o => { o.DataDirectory = data; o.NodeId = 7; });
        builder.Services.AddZamSyncControlEndpoint();
        using var host = builder.Build();
        await host.StartAsync();

        await using (var client = (await ControlClient.ConnectToDirectoryAsync(data))!)
        {
            var stored = (await client.InvokeAsync("submit", new JsonObject { ["type"] = 2, ["payload"] = Convert.ToBase64String(Encoding.UTF8.GetBytes("visit")) }))!;
            Assert.Equal(1UL, (ulong)stored["sequence"]!);
            Assert.Equal(1, (long)(await client.InvokeAsync("status"))!["events"]!);
        }
        Assert.Equal(1, host.Services.GetRequiredService<ZamEngine<LedgerState>>().Read(s => s.Count));

        await host.StopAsync();
        Assert.Null(await ControlClient.ConnectToDirectoryAsync(data));
        await using var reopened = await Nodes.OpenAsync(data, 7); // the lock was released, the event kept
        Assert.Equal(1, reopened.Read(s => s.Count));
    }

    [Fact]
    public async Task A_serving_hub_reports_each_peer_last_sync_in_its_status()
    {
        var hubId = new NodeId(1000);
        using var dir = new TempDirectory("hosted-hub");
        using var pki = new TestPki();
        string data = dir.Sub("hub");
        var builder = NewBuilder();
        builder.Services.AddZamSyncNode<LedgerState>(o => { o.DataDirectory = data; o.NodeId = hubId.Value; });
        builder.Services.AddZamSyncHub(new ZamHubOptions { Listen = "127.0.0.1:0", Transport = new TcpTransportOptions { Tls = pki.Hub(hubId) } });
        builder.Services.AddZamSyncControlEndpoint();
        using var host = builder.Build();
        await host.StartAsync();
        var hub = host.Services.GetRequiredService<ZamHub>();

        await using (var clinic = await Nodes.OpenAsync(dir.Sub("clinic"), 7))
        {
            await Nodes.SubmitManyAsync(clinic, 4);
            var (cert, ca) = pki.WriteNodeFiles(dir.Sub("clinic-tls"), clinic.NodeId);
            var tls = new Net.Tls.TlsOptions
            {
                Certificate = X509CertificateLoader.LoadPkcs12FromFile(cert, null),
                Authority = X509Certificate2.CreateFromPem(File.ReadAllText(ca)),
            };
            var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            hub.SessionEnded += _ => ended.TrySetResult();
            await using (var link = await TcpTransport.ConnectAsync(hubId, hub.LocalEndPoint.ToString(), new TcpTransportOptions { Tls = tls }))
                await clinic.CreateSession(link).SyncAsync(hubId);
            await ended.Task; // the hub records the session once its side has finished
        }

        await using var client = (await ControlClient.ConnectToDirectoryAsync(data))!;
        var status = (await client.InvokeAsync("status"))!;
        Assert.Equal(4, (long)status["events"]!);
        var peer = status["hub"]!["peers"]!.AsArray().Single()!;
        Assert.Equal("7", (string?)peer["node"]);
        Assert.Equal(1, (int)peer["sessions"]!);
        Assert.True(DateTimeOffset.TryParse((string?)peer["lastSuccess"], System.Globalization.CultureInfo.InvariantCulture, out _));
        Assert.Equal(4, (long)peer["eventsReceived"]!);
        await host.StopAsync();
    }
}

using ClinicApp.Contracts;
using ClinicApp.Hub.Deployment;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ZamSync;
using ZamSync.Hosting.Node;
using ZamSync.Net.Hub;
using ZamSync.Net.Tcp;

// The hub: a hosted node (its id and data directory from ZamSync:Node in appsettings.json) that serves every clinic
// at once over mutual TLS. On its first start it creates the deployment's CA and certificates (Deployment:TlsFolder).
// Any setting can be overridden on the command line, for example --ZamSync:Hub:Listen=0.0.0.0:7000.
// Stop it with Ctrl+C.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args,
    // appsettings.json is read from beside the program; relative paths in it are from the folder you run in.
    ContentRootPath = AppContext.BaseDirectory,
});
var node = builder.Configuration.GetSection(ZamNodeOptions.SectionName).Get<ZamNodeOptions>() ?? new ZamNodeOptions();
var deployment = builder.Configuration.GetSection("Deployment").Get<DeploymentOptions>() ?? new DeploymentOptions();
if (node.NodeId == 0)
{
    // Checked here as well as at the host's start: the hub's certificate names its id.
    Console.Error.WriteLine($"{ZamNodeOptions.SectionName}:NodeId: is required and must not be 0.");
    return 2;
}
var tls = new DeploymentCertificates(deployment, new NodeId(node.NodeId)).Prepare(Console.Out);

builder.Services.AddZamSyncNode<ClinicState>();
builder.Services.AddZamSyncControlEndpoint();
builder.Services.AddZamSyncHub(new ZamHubOptions
{
    Listen = builder.Configuration["ZamSync:Hub:Listen"] ?? "127.0.0.1:7000",
    Transport = new TcpTransportOptions { Tls = tls },
});

using var host = builder.Build();
try
{
    await host.StartAsync();
}
catch (Microsoft.Extensions.Options.OptionsValidationException ex)
{
    // Each failure names its key, for example ZamSync:Node:NodeId.
    Console.Error.WriteLine(string.Join(Environment.NewLine, ex.Failures));
    return 2;
}
var hub = host.Services.GetRequiredService<ZamHub>();
var engine = host.Services.GetRequiredService<ZamEngine<ClinicState>>();
hub.SessionEnded += session =>
    Console.WriteLine($"session with node {session.Peer} ended: hub holds {engine.Read(s => s.Patients.Count)} patients");
Console.WriteLine($"hub {node.NodeId} listening on {hub.LocalEndPoint} (mutual TLS)");
await host.WaitForShutdownAsync();
return 0;

using ClinicApp.Contracts;
using ClinicApp.Node;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ZamSync.Hosting.Replication;

// A clinic node, run as a service: the engine owns its data directory (ZamSync:Node in appsettings.json: its id and
// folder), the replicator syncs it with the hub over mutual TLS on an interval and retries with backoff when the link
// is down (ZamSync:Replicator: the hub's address and id, the certificate files the hub issued), and the control
// endpoint lets local tools submit and read status while it runs. Events are durable when SubmitAsync returns,
// online or not.
// Usage: ClinicApp.Node [--once]   --once: stop after the first sync round (exit code 1 if it failed).
// A configuration error exits with code 2 and names the key.
// Any setting can be overridden on the command line, for example --ZamSync:Node:NodeId=2.
bool once = args.Contains("--once");
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args.Where(a => a != "--once").ToArray(),
    // appsettings.json is read from beside the program; relative paths in it are from the folder you run in.
    ContentRootPath = AppContext.BaseDirectory,
});
builder.Services.AddZamSyncNode<ClinicState>();
builder.Services.AddHostedService<SampleVisits>();
builder.Services.AddZamSyncReplicator();
builder.Services.AddZamSyncControlEndpoint();

using var host = builder.Build();
var replicator = host.Services.GetRequiredService<ZamReplicator>();
var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
replicator.PeerChanged += peer =>
{
    if (peer.Syncing || peer.LastOutcome is not { } outcome) return;
    if (outcome == ReplicationOutcome.Synced && peer.LastStats is { } stats)
        Console.WriteLine($"synced with hub {peer.Peer}: sent {stats.EventsSent} events, received {stats.EventsReceived} ({stats.BytesSent} bytes up)");
    else
        Console.WriteLine($"sync with hub {peer.Peer} at {peer.Address}: {outcome} ({peer.LastError}); next try {peer.NextAttempt:u}");
    if (!once) return;
    if (outcome != ReplicationOutcome.Synced) Environment.ExitCode = 1;
    lifetime.StopApplication();
};
try
{
    await host.RunAsync();
}
catch (OptionsValidationException ex)
{
    // Each failure names its key, for example ZamSync:Node:NodeId.
    Console.Error.WriteLine(string.Join(Environment.NewLine, ex.Failures));
    return 2;
}
return Environment.ExitCode;

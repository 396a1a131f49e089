using System.CommandLine;
using System.Globalization;
using Clinic.Contracts;
using Clinic.Node;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using ZamSync;
using ZamSync.Hosting.Control;
using ZamSync.Hosting.Replication;

namespace Clinic.Commands;

/// <summary>
/// <c>node</c>: runs the clinic as a service that owns its directory until stopped (Ctrl+C, SIGTERM), syncing with the
/// hub on an interval when given one. While it runs, <c>submit</c>, <c>status</c> and <c>sync</c> reach it through its
/// control endpoint (docs/control-endpoint.md).
/// </summary>
internal static class NodeCommand
{
    public static Command Create(IAnsiConsole console, TimeProvider clock)
    {
        var dir = Common.Dir();
        var hub = Common.Hub();
        hub.Required = false;
        var hubId = Common.HubId();
        hubId.Required = false;
        var every = new Option<TimeSpan?>("--every") { Description = "Sync with the hub at this interval: 30s, 10m, 1h or hh:mm:ss (10m by default)", CustomParser = Quantities.ParseIntervalOption };
        var maxBytes = Common.MaxBytes();
        var maxBytesPerDay = new Option<long?>("--max-bytes-per-day")
        {
            Description = "Byte budget per day, both ways and all sessions together, kept across restarts: 20MB, 500k",
            CustomParser = Quantities.ParseBytesOption,
        };
        var command = new Command("node", "Run this node as a service until stopped (Ctrl+C or SIGTERM), syncing with the hub; submit, status and sync talk to it")
        {
            dir, hub, hubId, every, maxBytes, maxBytesPerDay,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var directory = new NodeDirectory(result.GetValue(dir)!);
            var config = directory.Config;
            Sync? sync = null;
            if (result.GetValue(hub) is { } address)
            {
                if (result.GetResult(hubId) is null) throw new UsageMistake("--hub-id is required with --hub: the hub's node id, which its certificate must name");
                _ = directory.LoadTls(); // no certificate yet: say how to get one before the service starts
                sync = new Sync(address, result.GetValue(hubId), result.GetValue(every) ?? TimeSpan.FromMinutes(10), result.GetValue(maxBytes), result.GetValue(maxBytesPerDay));
            }
            else if (result.GetResult(hubId) is not null || result.GetResult(every) is not null || result.GetResult(maxBytesPerDay) is not null)
                throw new UsageMistake("--hub-id, --every and --max-bytes-per-day need --hub: the hub's address, host:port");

            using var log = new ConsoleLog(console, clock);
            using var host = Build(directory, config, sync, log, clock);
            await host.StartAsync(cancellationToken);
            if (host.Services.GetService<ZamReplicator>() is { } replicator) Report(console, clock, directory, replicator);
            console.MarkupLineInterpolated($"[green]{config.Kind} {config.NodeId}[/] ({config.Name}) running; control socket {ControlEndpoint.DefaultSocketPath(directory.Path)}. Ctrl+C stops it.");
            if (sync is not null)
                console.MarkupLineInterpolated($"Syncing with hub {sync.HubId} at {sync.Address} every {Quantities.Describe(sync.Interval)}{Budgets(sync)}.");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
            // Stopping lets a running session and submits in flight finish (they are durable once answered), then
            // closes the log cleanly.
            await host.StopAsync(CancellationToken.None);
            console.MarkupLine("Node stopped; everything recorded is on disk.");
            return ClinicApp.Success;
        });
        return command;
    }

    private sealed record Sync(string Address, ulong HubId, TimeSpan Interval, long? MaxBytes, long? MaxBytesPerDay);

    private static string Budgets(Sync sync) =>
        (sync.MaxBytes is { } session ? string.Create(CultureInfo.InvariantCulture, $", at most {session:N0} B each way per session") : "") +
        (sync.MaxBytesPerDay is { } day ? string.Create(CultureInfo.InvariantCulture, $", {day:N0} B a day") : "");

    private static IHost Build(NodeDirectory directory, NodeConfig config, Sync? sync, ConsoleLog log, TimeProvider clock)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = directory.Path });
        builder.Logging.ClearProviders().AddProvider(log);
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddZamSyncNode<ClinicNetworkState>(o =>
        {
            o.DataDirectory = directory.Path;
            o.NodeId = config.NodeId;
            if (config.DataKeyFile is { } key)
            {
                o.Cipher = ZamSync.Wal.WalCipherKind.Aes256Gcm;
                o.KeyFile = key;
            }
        });
        if (sync is not null)
        {
            builder.Services.AddZamSyncReplicator(o =>
            {
                o.Peers.Add(new ZamReplicatorPeer { Address = sync.Address, NodeId = sync.HubId });
                o.Interval = sync.Interval;
                // Asking for a sync (`sync --now`) more often than this is answered "throttled", not another session.
                o.MinInterval = sync.Interval < TimeSpan.FromSeconds(30) ? sync.Interval : TimeSpan.FromSeconds(30);
                o.MaxBytesPerSession = sync.MaxBytes;
                o.MaxBytesPerDay = sync.MaxBytesPerDay;
                o.CertificateFile = directory.NodeCertificate;
                o.AuthorityFile = directory.CaCertificate;
            });
        }
        builder.Services.AddZamSyncControlEndpoint();
        builder.Services.AddSingleton<IControlOperation>(sp => new ClinicSubmitOperation(sp.GetRequiredService<ZamEngine<ClinicNetworkState>>()));
        builder.Services.AddSingleton<IControlStatusSection>(sp => new ClinicStatusSection(sp.GetRequiredService<ZamEngine<ClinicNetworkState>>(), directory));
        return builder.Build();
    }

    /// <summary>One line per finished round, as `sync --every` printed, and the last success remembered for `status`.</summary>
    private static void Report(IAnsiConsole console, TimeProvider clock, NodeDirectory directory, ZamReplicator replicator)
    {
        var printed = new Dictionary<NodeId, DateTimeOffset?>();
        var gate = new Lock();
        replicator.PeerChanged += state =>
        {
            if (state.Syncing || state.LastOutcome is not { } outcome) return;
            lock (gate)
            {
                if (printed.TryGetValue(state.Peer, out var last) && last == state.LastAttempt) return;
                printed[state.Peer] = state.LastAttempt;
            }
            string time = clock.GetUtcNow().ToString("HH:mm:ss", CultureInfo.InvariantCulture);
            string next = state.NextAttempt is { } at ? $"; next at {at.ToUniversalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture)} UTC" : "";
            if (outcome == ReplicationOutcome.Synced && state.LastStats is { } s)
            {
                string summary = $"with hub {state.Peer}: sent {s.EventsSent} events, received {s.EventsReceived}" + (s.BudgetExhausted ? " (budget reached)" : "");
                directory.RecordSync(summary);
                console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{time} synced {summary} ({s.BytesSent:N0} B up, {s.BytesReceived:N0} B down){next}"));
            }
            else
            {
                string why = outcome switch
                {
                    ReplicationOutcome.DailyBudgetSpent => "today's byte budget is spent",
                    ReplicationOutcome.Throttled => "asked again too soon",
                    _ => state.LastError ?? outcome.ToString(),
                };
                console.WriteLine($"{time} sync with hub {state.Peer} did not complete: {why}{next}");
            }
        };
    }
}

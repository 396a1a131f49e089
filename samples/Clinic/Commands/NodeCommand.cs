using System.CommandLine;
using Clinic.Contracts;
using Clinic.Node;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using ZamSync;
using ZamSync.Hosting.Control;

namespace Clinic.Commands;

/// <summary>
/// <c>node</c>: runs the clinic as a service that owns its directory until stopped (Ctrl+C, SIGTERM). While it runs,
/// <c>submit</c> and <c>status</c> reach it through its control endpoint (docs/control-endpoint.md).
/// </summary>
internal static class NodeCommand
{
    public static Command Create(IAnsiConsole console, TimeProvider clock)
    {
        var dir = Common.Dir();
        var command = new Command("node", "Run this node as a service until stopped (Ctrl+C or SIGTERM); submit and status talk to it") { dir };
        command.SetAction(async (result, cancellationToken) =>
        {
            var directory = new NodeDirectory(result.GetValue(dir)!);
            var config = directory.Config;
            using var log = new ConsoleLog(console, clock);
            using var host = Build(directory, config, log, clock);
            await host.StartAsync(cancellationToken);
            console.MarkupLineInterpolated($"[green]{config.Kind} {config.NodeId}[/] ({config.Name}) running; control socket {ControlEndpoint.DefaultSocketPath(directory.Path)}. Ctrl+C stops it.");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
            // Stopping waits for submits in flight (they are durable once answered) and closes the log cleanly.
            await host.StopAsync(CancellationToken.None);
            console.MarkupLine("Node stopped; everything recorded is on disk.");
            return ClinicApp.Success;
        });
        return command;
    }

    private static IHost Build(NodeDirectory directory, NodeConfig config, ConsoleLog log, TimeProvider clock)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = directory.Path });
        builder.Logging.ClearProviders().AddProvider(log);
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddZamSyncNode<ClinicNetworkState>(o =>
        {
            o.DataDirectory = directory.Path;
            o.NodeId = config.NodeId;
        });
        builder.Services.AddZamSyncControlEndpoint();
        builder.Services.AddSingleton<IControlOperation>(sp => new ClinicSubmitOperation(sp.GetRequiredService<ZamEngine<ClinicNetworkState>>()));
        builder.Services.AddSingleton<IControlStatusSection>(sp => new ClinicStatusSection(sp.GetRequiredService<ZamEngine<ClinicNetworkState>>(), directory));
        return builder.Build();
    }
}

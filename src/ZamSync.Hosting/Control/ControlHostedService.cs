using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZamSync.Hosting.Control.Operations;
using ZamSync.Hosting.Node;
using ZamSync.Hosting.Replication;
using ZamSync.Net.Hub;

namespace ZamSync.Hosting.Control;

/// <summary>
/// Serves the hosted node's control endpoint from the moment its engine is open until the host stops: the built-in
/// <c>status</c>, <c>submit</c>, <c>backup</c> and <c>compact</c>, <c>sync</c> and a <c>replicator</c> section when a replicator runs, and every <see cref="IControlOperation"/> and <see cref="IControlStatusSection"/> in
/// the container (a hub in the container adds its <c>hub</c> section).
/// </summary>
internal sealed class ControlHostedService(IServiceProvider services, IZamNode node, IOptions<ControlEndpointOptions> options, ILogger<ControlServer>? logger)
    : IHostedService, IAsyncDisposable
{
    private ControlServer? _server;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var engine = await node.WhenOpenAsync(cancellationToken).ConfigureAwait(false);
        var sections = services.GetServices<IControlStatusSection>().ToList();
        var operations = new List<IControlOperation> { new SubmitOperation(engine), new BackupOperation(engine), new CompactOperation(engine) };
        if (services.GetService<ZamHub>() is { } hub) sections.Add(new HubStatusSection(hub));
        if (services.GetService<ZamReplicator>() is { } replicator)
        {
            sections.Add(new ReplicatorStatusSection(replicator));
            operations.Add(new SyncOperation(replicator));
        }
        operations.Add(new StatusOperation(engine, sections));
        operations.AddRange(services.GetServices<IControlOperation>());
        string path = options.Value.SocketPath is { Length: > 0 } configured ? configured : ControlEndpoint.DefaultSocketPath(node.DataDirectory);
        var server = new ControlServer(path, operations, options.Value, logger);
        await server.StartAsync(cancellationToken).ConfigureAwait(false);
        _server = server;
    }

    public Task StopAsync(CancellationToken cancellationToken) => _server?.StopAsync(cancellationToken) ?? Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync().ConfigureAwait(false);
    }
}

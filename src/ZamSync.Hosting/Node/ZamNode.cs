using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ZamSync.Hosting.Node;

/// <summary>
/// The engine of a hosted node (<c>services.AddZamSyncNode&lt;TState&gt;()</c>), opened by the node's hosted service
/// when the host starts and disposed when it stops.
/// </summary>
/// <remarks>
/// Why a handle instead of the engine itself: opening an engine is asynchronous (it takes the directory's lock,
/// recovers the log and folds the state), and a dependency-injection factory cannot await. So the container holds this
/// handle from the start and the engine appears in it when the host starts. Consumers have two safe ways in:
/// <list type="bullet">
/// <item>A hosted service registered after <c>AddZamSyncNode</c> may use <see cref="Engine"/> (or resolve
/// <see cref="ZamEngine{TState}"/> / <see cref="ZamEngine"/>) in its <c>StartAsync</c> or <c>ExecuteAsync</c>: the node's
/// service is placed before every other hosted service, and hosts start them in order (and stop them in reverse, so
/// the engine closes last).</item>
/// <item>Anything else (a constructor, a request handler that may run early, hosts that start services concurrently)
/// awaits <see cref="WhenOpen"/>.</item>
/// </list>
/// Injecting <see cref="ZamEngine"/> into a constructor resolved before the host starts fails with a message saying so.
/// </remarks>
public sealed partial class ZamNode<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TState> : IZamNode, IAsyncDisposable where TState : class, IStateStore
{
    private readonly TaskCompletionSource<ZamEngine<TState>> _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ILogger _log;
    private ZamEngine<TState>? _engine;
    private volatile bool _closed;

    internal ZamNode(string dataDirectory, NodeId nodeId, ILogger? logger)
    {
        DataDirectory = Path.GetFullPath(dataDirectory);
        NodeId = nodeId;
        _log = logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public NodeId NodeId { get; }

    /// <inheritdoc />
    public string DataDirectory { get; }

    /// <inheritdoc />
    public bool IsOpen => _engine is not null && !_closed;

    /// <summary>The open engine; throws <see cref="InvalidOperationException"/> before the node service started or after it stopped.</summary>
    public ZamEngine<TState> Engine => _closed
        ? throw new InvalidOperationException($"The ZamSync node {NodeId} is stopped: its engine is closed.")
        : _engine ?? throw new InvalidOperationException(
            $"The ZamSync node {NodeId} is not open yet: its engine opens when the host starts. Use the engine from a hosted " +
            "service registered after AddZamSyncNode (in StartAsync or ExecuteAsync), or await ZamNode.WhenOpen.");

    /// <summary>Completes with the engine once it is open (see <see cref="IZamNode.WhenOpenAsync"/>).</summary>
    public Task<ZamEngine<TState>> WhenOpen => _open.Task;

    ZamEngine IZamNode.Engine => Engine;

    async Task<ZamEngine> IZamNode.WhenOpenAsync(CancellationToken cancellationToken) =>
        await _open.Task.WaitAsync(cancellationToken).ConfigureAwait(false);

    internal async Task OpenAsync(ZamEngineOptions options, CancellationToken cancellationToken)
    {
        if (_engine is not null || _closed) throw new InvalidOperationException($"The ZamSync node {NodeId} was already started.");
        try
        {
            var engine = await ZamEngine<TState>.OpenAsync(DataDirectory, NodeId, options, cancellationToken).ConfigureAwait(false);
            _engine = engine;
            LogOpened(_log, NodeId, DataDirectory, engine.Known.Aggregate(0UL, (sum, entry) => sum + entry.Value));
            _open.TrySetResult(engine);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _open.TrySetCanceled(cancellationToken);
            throw;
        }
        catch (Exception ex)
        {
            LogOpenFailed(_log, ex, NodeId, DataDirectory);
            _open.TrySetException(ex);
            throw;
        }
    }

    internal async Task CloseAsync()
    {
        _closed = true;
        _open.TrySetCanceled(); // a waiter still waiting when the host stops before the node opened
        if (_engine is { } engine)
        {
            await engine.DisposeAsync().ConfigureAwait(false);
            LogClosed(_log, NodeId);
        }
    }

    /// <summary>Closes the engine if the host was disposed without being stopped.</summary>
    public async ValueTask DisposeAsync() => await CloseAsync().ConfigureAwait(false);

    [LoggerMessage(501, LogLevel.Information, "Node {Node} open in {Directory} ({Events} events)")]
    private static partial void LogOpened(ILogger logger, NodeId node, string directory, ulong events);

    [LoggerMessage(502, LogLevel.Critical, "Node {Node} could not open {Directory}")]
    private static partial void LogOpenFailed(ILogger logger, Exception exception, NodeId node, string directory);

    [LoggerMessage(503, LogLevel.Information, "Node {Node} closed")]
    private static partial void LogClosed(ILogger logger, NodeId node);
}

namespace ZamSync.Hosting.Node;

/// <summary>
/// The hosted node's engine, whatever its state type: what services that only sync or read the log need (the
/// replicator, a control endpoint). <see cref="ZamNode{TState}"/> is the typed one.
/// </summary>
public interface IZamNode
{
    /// <summary>The node's id, known before the engine opens.</summary>
    NodeId NodeId { get; }

    /// <summary>The node's data directory (full path), known before the engine opens.</summary>
    string DataDirectory { get; }

    /// <summary>True from the moment the engine is open until the node service stops.</summary>
    bool IsOpen { get; }

    /// <summary>The open engine; throws <see cref="InvalidOperationException"/> before the node service started or after it stopped.</summary>
    ZamEngine Engine { get; }

    /// <summary>
    /// Completes with the engine once the node service has opened it; fails if opening failed, and is cancelled if the
    /// host stops before the node opened. <paramref name="cancellationToken"/> only stops this wait.
    /// </summary>
    Task<ZamEngine> WhenOpenAsync(CancellationToken cancellationToken = default);
}

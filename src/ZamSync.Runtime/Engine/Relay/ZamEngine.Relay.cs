using ZamSync.Storage;

namespace ZamSync;

public abstract partial class ZamEngine
{
    /// <summary>True for a relay (<see cref="OpenRelayAsync"/>): it stores and forwards events but folds no state.</summary>
    public bool IsRelay => StateStore is null;

    /// <summary>
    /// Opens (or creates) a node's data directory as a <em>relay</em>: it stores events durably, serves and receives
    /// sessions, and compacts like any node, but has no state, so it does no fold work at all (the common case for a
    /// district hub, which only passes clinics' events on). Hand it to a hub like any engine.
    /// </summary>
    /// <remarks>
    /// <para>Set <see cref="ZamEngineOptions.ContractFingerprint"/> and <see cref="ZamEngineOptions.ContractSchema"/> to
    /// the network's contract: with no state there is no generated attribute to take them from, and peers judge the
    /// relay's handshake by them.</para>
    /// <para>Compacting a relay keeps the floors with an empty state snapshot as the log's base, so a directory a relay
    /// has compacted cannot later be opened with a state; one it never compacted can.</para>
    /// </remarks>
    public static Task<ZamEngine> OpenRelayAsync(string directory, NodeId nodeId, ZamEngineOptions? options = null, CancellationToken cancellationToken = default)
    {
        var relayOptions = options ?? new ZamEngineOptions();
        return OpenDirectoryAsync<ZamEngine>(directory, nodeId, relayOptions, (path, directoryLock) => new RelayEngine(path, nodeId, relayOptions, directoryLock), cancellationToken);
    }

    /// <summary>An engine with no state.</summary>
    private sealed class RelayEngine(string directory, NodeId nodeId, ZamEngineOptions options, DirectoryLock directoryLock)
        : ZamEngine(directory, nodeId, state: null, options, directoryLock);
}

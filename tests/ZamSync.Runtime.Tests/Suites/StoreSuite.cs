namespace ZamSync.Tests.Support; // beside the suites (Suites/), not in Support/: only the projects that run suites compile it

/// <summary>
/// The base of an engine or sync suite that runs against every store (one suite, not a copy): its tests open nodes
/// through <see cref="OpenAsync"/>, and each derived class picks the store. tests/ZamSync.Runtime.Tests runs the suites
/// on the embedded log (the default store); tests/ZamSync.PostgreSql.Tests compiles the same suite sources and runs
/// them again on PostgreSQL, each node in a schema of its own.
/// </summary>
public abstract class StoreSuite : IAsyncLifetime
{
    /// <summary>
    /// <paramref name="options"/> with this suite's store for the node in <paramref name="directory"/>. Reopening the
    /// same directory must give the same store (the node's events live there); the embedded log keeps them in the
    /// directory itself, so it changes nothing.
    /// </summary>
    protected virtual ZamEngineOptions WithStore(string directory, ZamEngineOptions? options) => options ?? new ZamEngineOptions();

    /// <summary>Opens (or reopens) the ledger node in <paramref name="directory"/> on this suite's store.</summary>
    protected Task<ZamEngine<LedgerState>> OpenAsync(string directory, ulong id, ZamEngineOptions? options = null) =>
        Nodes.OpenAsync(directory, id, WithStore(directory, options));

    /// <summary>Opens a node with a state of the test's own on this suite's store.</summary>
    protected Task<ZamEngine<TState>> OpenAsync<TState>(string directory, ulong id, TState state, ZamEngineOptions? options = null)
        where TState : class, IStateStore =>
        ZamEngine<TState>.OpenAsync(directory, new NodeId(id), state, WithStore(directory, options));

    /// <summary>
    /// Forgets the state checkpoint the store keeps for the node in <paramref name="directory"/> (closed), so its next
    /// open folds from the store's base: the embedded log keeps it as a file in the directory.
    /// </summary>
    protected virtual Task DropCheckpointAsync(string directory)
    {
        File.Delete(Path.Combine(directory, Storage.StateSnapshotFile.FileName));
        return Task.CompletedTask;
    }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Runs after every node of the test was disposed: a store may drop what the test created.</summary>
    public virtual Task DisposeAsync() => Task.CompletedTask;
}

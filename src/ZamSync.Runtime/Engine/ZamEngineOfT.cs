using System.Diagnostics.CodeAnalysis;
using ZamSync.Storage;

namespace ZamSync;

/// <summary>An engine whose state is a <typeparamref name="TState"/>.</summary>
public sealed class ZamEngine<TState> : ZamEngine where TState : class, IStateStore
{
    private ZamEngine(string directory, NodeId nodeId, TState state, ZamEngineOptions options, DirectoryLock directoryLock)
        : base(directory, nodeId, state, options, directoryLock)
    {
        State = state;
    }

    /// <summary>
    /// The state. Sessions and submitters apply events to it from other threads, and while a session is
    /// receiving events that sort before applied ones it may lag until the session's stream ends: read it
    /// through <see cref="Read{T}"/>, which waits for both.
    /// </summary>
    public TState State { get; }

    /// <summary>Reads the state while no event is being applied to it.</summary>
    public T Read<T>(Func<TState, T> reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return ReadStateCore(() => reader(State));
    }

    /// <summary>Opens (or creates) the node's data directory with a new <typeparamref name="TState"/>.</summary>
    public static Task<ZamEngine<TState>> OpenAsync(string directory, NodeId nodeId, ZamEngineOptions? options = null, CancellationToken cancellationToken = default) =>
        OpenAsync(directory, nodeId, CreateState(), options, cancellationToken);

    /// <summary>
    /// Opens (or creates) the node's data directory. Takes the directory's lock (a second engine on it
    /// fails with <see cref="DataDirectoryLockedException"/>; a directory or lock file that cannot be created, with
    /// <see cref="ZamStorageException"/> naming the path and why), recovers the log, and folds the state.
    /// </summary>
    public static Task<ZamEngine<TState>> OpenAsync(string directory, NodeId nodeId, TState state, ZamEngineOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(state);
        if (nodeId.IsEmpty) throw new ArgumentException("A node needs a non-zero id.", nameof(nodeId));
        options = WithContract(options ?? new ZamEngineOptions());
        if (System.Text.Encoding.UTF8.GetByteCount(options.ContractFingerprint) > Sync.SyncMessageCodec.MaxFingerprintBytes)
            throw new ArgumentException($"The contract fingerprint is longer than the {Sync.SyncMessageCodec.MaxFingerprintBytes} UTF-8 bytes a handshake carries.", nameof(options));
        if (System.Text.Encoding.UTF8.GetByteCount(options.ContractSchema) > Sync.SyncMessageCodec.MaxSchemaBytes)
            throw new ArgumentException($"The contract schema is longer than the {Sync.SyncMessageCodec.MaxSchemaBytes} UTF-8 bytes a handshake carries.", nameof(options));
        cancellationToken.ThrowIfCancellationRequested();
        // Opening reads the whole index from disk; keep it off the caller's thread.
        return Task.Run(() =>
        {
            var fullPath = Path.GetFullPath(directory);
            try
            {
                Directory.CreateDirectory(fullPath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ZamStorageException(
                    $"Cannot create data directory {fullPath}: {StorageErrors.Describe(ex)}.{StorageErrors.Remedy(ex)}", ex);
            }
            var directoryLock = DirectoryLock.Acquire(fullPath);
            try
            {
                var engine = new ZamEngine<TState>(fullPath, nodeId, state, options, directoryLock);
                engine.Open();
                return engine;
            }
            catch
            {
                directoryLock.Dispose();
                throw;
            }
        }, cancellationToken);
    }

    /// <summary>Takes the contract from the generator's attribute on the state's assembly, unless set explicitly.</summary>
    private static ZamEngineOptions WithContract(ZamEngineOptions options)
    {
        if (options.ContractFingerprint.Length > 0) return options;
        var contract = System.Reflection.CustomAttributeExtensions.GetCustomAttribute<ZamContractAttribute>(typeof(TState).Assembly);
        return contract is null ? options : options with { ContractFingerprint = contract.Fingerprint, ContractSchema = contract.Schema };
    }

    [UnconditionalSuppressMessage("Trimming", "IL2091", Justification = "States are constructed by the application that names them.")]
    private static TState CreateState()
    {
        try
        {
            return Activator.CreateInstance<TState>();
        }
        catch (MissingMethodException)
        {
            throw new ArgumentException($"{typeof(TState).Name} has no public parameterless constructor; pass a state instance to OpenAsync.");
        }
    }
}

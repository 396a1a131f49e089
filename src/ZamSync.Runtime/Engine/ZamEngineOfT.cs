using System.Diagnostics.CodeAnalysis;
using ZamSync.Storage;

namespace ZamSync;

/// <summary>An engine whose state is a <typeparamref name="TState"/>.</summary>
/// <remarks>
/// <typeparamref name="TState"/> keeps its public parameterless constructor under trimming and native AOT, since
/// <see cref="OpenAsync(string, NodeId, ZamEngineOptions?, CancellationToken)"/> creates the state with it.
/// </remarks>
public sealed class ZamEngine<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TState> : ZamEngine where TState : class, IStateStore
{
    private readonly TState _state;

    private ZamEngine(string directory, NodeId nodeId, TState state, ZamEngineOptions options, DirectoryLock directoryLock)
        : base(directory, nodeId, state, options, directoryLock)
    {
        _state = state;
    }

    /// <summary>
    /// The state, first caught up with every durable event (like <see cref="Read{T}"/>). The fold loop applies events
    /// to it from another thread, so reading it while submitters or sessions run races with that: read it through
    /// <see cref="Read{T}"/>, which holds the fold off while the reader runs.
    /// </summary>
    public TState State
    {
        get
        {
            CatchUpState();
            return _state;
        }
    }

    /// <summary>
    /// Reads the state while no event is being applied to it, after catching it up with every event durable when the
    /// call began (so a submit that returned before is seen; a pending re-fold is done at once).
    /// </summary>
    public T Read<T>(Func<TState, T> reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return ReadStateCore(() => reader(_state));
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
        ArgumentNullException.ThrowIfNull(state);
        options = WithContract(options ?? new ZamEngineOptions());
        return OpenDirectoryAsync(directory, nodeId, options, (path, directoryLock) => new ZamEngine<TState>(path, nodeId, state, options, directoryLock), cancellationToken);
    }

    /// <summary>Takes the contract from the generator's attribute on the state's assembly, unless set explicitly.</summary>
    private static ZamEngineOptions WithContract(ZamEngineOptions options)
    {
        if (options.ContractFingerprint.Length > 0) return options;
        var contract = System.Reflection.CustomAttributeExtensions.GetCustomAttribute<ZamContractAttribute>(typeof(TState).Assembly);
        return contract is null ? options : options with { ContractFingerprint = contract.Fingerprint, ContractSchema = contract.Schema };
    }

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

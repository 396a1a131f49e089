using System.Reflection;
using ZamSync.Wal;

namespace ZamSync.Tool.Commands;

/// <summary>
/// Opens a stopped node's directory with the real engine, for the commands that change a log (compact, expire): they
/// use the engine's own rules and formats rather than rewriting the log themselves. A folding node needs its state,
/// since a compacted log starts from a snapshot of it: the state comes from the node's contract assembly
/// (<c>--contract PATH.dll</c>, the class marked <c>[ZamState]</c>), for any contract. A relay folds none (<c>--relay</c>).
/// </summary>
internal static class StoppedEngine
{
    public static async Task<ZamEngine> OpenAsync(string directory, string? keyFile, string? contract, bool relay, CancellationToken cancellationToken)
    {
        if (contract is null == !relay)
            throw new UsageException(relay
                ? "--relay and --contract exclude each other: a relay folds no state."
                : "a stopped node is compacted by opening its engine, which keeps a snapshot of the state as the log's base: pass the node's contract assembly with --contract PATH.dll (or --relay for a relay, which folds no state).");
        NodeId node;
        WalCipherKind cipher;
        try
        {
            using (var inspector = DirectoryAccess.Open(directory, null))
            {
                node = inspector.Log.NodeId;
                cipher = inspector.Log.Cipher;
            }
        }
        catch (DataDirectoryLockedException)
        {
            throw new ToolFailure($"'{Path.GetFullPath(directory)}' is in use by a running node that serves no control endpoint (control/node.sock): zamsync never changes a running node's log behind its back. Start the node with its control endpoint, or stop it first.");
        }
        var options = new ZamEngineOptions();
        if (cipher != WalCipherKind.None)
        {
            if (keyFile is null) throw new ToolFailure($"the log in '{Path.GetFullPath(directory)}' is encrypted ({cipher}): pass its data key with --key FILE.");
            options = options with { Wal = new WalOptions { Cipher = cipher, Key = KeyFile.Read(keyFile) } };
        }
        else if (keyFile is not null)
        {
            throw new ToolFailure($"the log in '{Path.GetFullPath(directory)}' is not encrypted, but --key was given.");
        }
        if (relay) return await ZamEngine.OpenRelayAsync(directory, node, options, cancellationToken).ConfigureAwait(false);
        var state = FindState(contract!);
        var open = typeof(ZamEngine<>).MakeGenericType(state).GetMethod("OpenAsync",
            [typeof(string), typeof(NodeId), typeof(ZamEngineOptions), typeof(CancellationToken)])!;
        var task = (Task)open.Invoke(null, [directory, node, options, cancellationToken])!;
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            throw ex.InnerException;
        }
        return (ZamEngine)task.GetType().GetProperty("Result")!.GetValue(task)!;
    }

    /// <summary>The one <c>[ZamState]</c> class of the contract assembly at <paramref name="path"/>.</summary>
    internal static Type FindState(string path)
    {
        path = Path.GetFullPath(path);
        if (!File.Exists(path)) throw new ToolFailure($"the contract assembly '{path}' does not exist.");
        Assembly assembly;
        try
        {
            // The default context: the contract's reference to ZamSync.Runtime binds to the tool's own, so its state is
            // an IStateStore the tool's engine can fold. Its other dependencies are found beside it.
            assembly = Assembly.LoadFrom(path);
        }
        catch (Exception ex) when (ex is BadImageFormatException or FileLoadException or IOException)
        {
            throw new ToolFailure($"'{path}' is not a .NET assembly this tool can load: {ex.Message}");
        }
        Type[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException ex)
        {
            throw new ToolFailure($"the contract assembly '{path}' needs assemblies that are not beside it: {ex.LoaderExceptions.FirstOrDefault(e => e is not null)?.Message}");
        }
        var states = types.Where(t => t.IsClass && !t.IsAbstract && t.GetCustomAttribute<ZamStateAttribute>() is not null && typeof(IStateStore).IsAssignableFrom(t)).ToList();
        return states.Count switch
        {
            1 => states[0],
            0 => throw new ToolFailure($"the contract assembly '{path}' holds no [ZamState] class (built with the ZamSync generator?)."),
            _ => throw new ToolFailure($"the contract assembly '{path}' holds several [ZamState] classes ({string.Join(", ", states.Select(s => s.FullName))}); this tool opens one state per node and cannot tell which."),
        };
    }
}

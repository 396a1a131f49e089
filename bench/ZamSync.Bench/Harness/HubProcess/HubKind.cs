using System.Reflection;

namespace ZamSync.Bench.Harness.HubProcess;

/// <summary>What the hub process keeps besides the log.</summary>
internal enum HubKind
{
    /// <summary>A hub that folds every event into a state (<see cref="CounterState"/>).</summary>
    Folding,

    /// <summary>A hub that stores and forwards without a state (issue 11); only where the engine offers it.</summary>
    Relay,

    /// <summary>A relay hub process whose events and peers live in PostgreSQL (one of several on one schema).</summary>
    Postgres,
}

/// <summary>
/// Finds the engine's way to open a relay hub, if this build has one: a public static method on
/// <see cref="ZamEngine"/> or <see cref="ZamEngine{TState}"/> whose name starts with <c>Open</c> and contains
/// <c>Relay</c> and which returns a task of an engine. Looked up by reflection so the benchmark compiles on
/// main before and after that method lands, and starts measuring the relay hub the day it does.
/// </summary>
internal static class RelayOpener
{
    public static MethodInfo? Find() =>
        new[] { typeof(ZamEngine), typeof(ZamEngine<CounterState>) }
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static))
            .Where(m => m.Name.StartsWith("Open", StringComparison.Ordinal) && m.Name.Contains("Relay", StringComparison.Ordinal) && !m.IsGenericMethodDefinition)
            .Where(m => EngineType(m.ReturnType) is not null)
            .Where(m => m.GetParameters().Any(p => p.ParameterType == typeof(string)) && m.GetParameters().Any(p => p.ParameterType == typeof(NodeId)))
            .OrderBy(m => m.GetParameters().Length)
            .FirstOrDefault();

    /// <summary>A short description for the report, or why the relay rows are missing.</summary>
    public static string Describe() =>
        Find() is { } m ? $"{m.DeclaringType?.Name}.{m.Name}" : "no ZamEngine.Open*Relay* method in this build";

    /// <summary>Opens a relay hub through <see cref="Find"/>: the directory and node id are passed, every other parameter gets its default.</summary>
    public static async Task<ZamEngine> OpenAsync(string directory, NodeId node)
    {
        var method = Find() ?? throw new InvalidOperationException("This build has no relay hub: " + Describe() + ".");
        var arguments = method.GetParameters().Select(p =>
            p.ParameterType == typeof(string) ? directory
            : p.ParameterType == typeof(NodeId) ? node
            : p.ParameterType == typeof(ZamEngineOptions) ? ClinicContract()
            : p.HasDefaultValue ? p.DefaultValue
            : p.ParameterType.IsValueType ? Activator.CreateInstance(p.ParameterType)
            : null).ToArray();
        object? returned = method.Invoke(null, arguments);
        // ValueTask<T> becomes a Task<T>; either way the engine is the Result of a completed task.
        if (returned is not Task && returned?.GetType().GetMethod("AsTask") is { } asTask) returned = asTask.Invoke(returned, null);
        if (returned is not Task task) throw new InvalidOperationException($"{method.Name} returned {returned?.GetType().Name ?? "null"}, not a task.");
        await task.ConfigureAwait(false);
        return (ZamEngine)task.GetType().GetProperty("Result")!.GetValue(task)!;
    }

    /// <summary>
    /// A relay has no state type to take the contract from, so it is given the clinics' own (the generated
    /// attribute on this assembly): a hub presenting another contract is refused at the handshake.
    /// </summary>
    internal static ZamEngineOptions ClinicContract()
    {
        var contract = System.Reflection.CustomAttributeExtensions.GetCustomAttribute<ZamContractAttribute>(typeof(CounterState).Assembly);
        return contract is null ? new ZamEngineOptions() : new ZamEngineOptions { ContractFingerprint = contract.Fingerprint, ContractSchema = contract.Schema };
    }

    private static Type? EngineType(Type returnType)
    {
        if (!returnType.IsGenericType) return null;
        var definition = returnType.GetGenericTypeDefinition();
        if (definition != typeof(Task<>) && definition != typeof(ValueTask<>)) return null;
        var result = returnType.GetGenericArguments()[0];
        return typeof(ZamEngine).IsAssignableFrom(result) ? result : null;
    }
}

using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace ZamSync.Projection;

/// <summary>
/// Every event type of a contract assembly as a table, generated with the contract: what <c>zamsync project</c> writes
/// into SQL and <c>zamsync audit --contract</c> prints. Read it with <see cref="Of"/>.
/// </summary>
public abstract class ZamProjectionSet
{
    private readonly Dictionary<uint, ZamProjectionTable> _byId;

    /// <summary>Called by the generated subclass.</summary>
    protected ZamProjectionSet(string fingerprint, IReadOnlyList<ZamProjectionTable> tables)
    {
        Fingerprint = fingerprint;
        Tables = tables;
        _byId = tables.ToDictionary(t => t.EventTypeId);
    }

    /// <summary>The contract's fingerprint (the same as its <see cref="ZamContractAttribute"/>'s).</summary>
    public string Fingerprint { get; }

    /// <summary>Every event type, by ascending wire id.</summary>
    public IReadOnlyList<ZamProjectionTable> Tables { get; }

    /// <summary>The table of the event with this wire id, or null when the contract does not know it.</summary>
    public ZamProjectionTable? Find(uint eventTypeId) => _byId.GetValueOrDefault(eventTypeId);

    /// <summary>The projections the generator wrote into <paramref name="assembly"/>, or null when it has none.</summary>
    public static ZamProjectionSet? Of(Assembly assembly) =>
        assembly.GetCustomAttribute<ZamProjectionsAttribute>() is { } attribute ? (ZamProjectionSet)Activator.CreateInstance(attribute.Type)! : null;
}

/// <summary>Written by the generator on every assembly with contracts: the <see cref="ZamProjectionSet"/> it generated.</summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class ZamProjectionsAttribute([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] Type type) : Attribute
{
    /// <summary>The generated subclass of <see cref="ZamProjectionSet"/>.</summary>
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)]
    public Type Type { get; } = type;
}

namespace ZamSync;

/// <summary>
/// Declares a replicated event. The type must be <c>partial</c>: the contract generator adds
/// <see cref="IZamEvent{TSelf}"/> and a version-tolerant MemoryPack formatter to it.
/// </summary>
/// <remarks>
/// The id is the event's identity on the wire and in every log, forever: never reuse an id for another type,
/// never change a type's id. Zero is reserved, and ids stop at 16,777,215 (the top byte of the wire id holds the
/// version). See <c>docs/contracts.md</c> and <c>docs/versioning.md</c>.
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false, AllowMultiple = false)]
public sealed class ZamEventAttribute(uint id) : Attribute
{
    /// <summary>The event's id, shared by all its versions. Never zero, at most 16,777,215.</summary>
    public uint Id { get; } = id;

    /// <summary>
    /// The shape's version, 1 (the default) to 255. A new version of an event is a new type beside the old one,
    /// with the same id and a <see cref="ZamUpcastAttribute"/> method from an older version (ZS2003), so a slot's
    /// type can change: a node on the new contract reads old events through the upcaster, and a node on the old
    /// contract stores and forwards the new version as an event it does not know. Version 1 keeps the plain id
    /// on the wire; version <c>v</c> travels as <see cref="WireId"/>.
    /// </summary>
    public int Version { get; set; } = 1;

    /// <summary>
    /// The id written in <see cref="EventEnvelope.EventType"/> for <paramref name="id"/> at <paramref name="version"/>:
    /// <c>id | (version - 1) &lt;&lt; 24</c>, so version 1 is the id itself and every existing log stays valid.
    /// </summary>
    public static uint WireId(uint id, int version)
    {
        ArgumentOutOfRangeException.ThrowIfZero(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(id, MaxId);
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxVersion);
        return id | ((uint)(version - 1) << 24);
    }

    /// <summary>The largest event id: the top byte of a wire id is the version.</summary>
    public const uint MaxId = 0xFF_FFFF;

    /// <summary>The largest version.</summary>
    public const int MaxVersion = 255;
}

namespace ZamSync;

/// <summary>
/// Declares a replicated event. The type must be <c>partial</c>: the contract generator adds
/// <see cref="IZamEvent{TSelf}"/> and a version-tolerant MemoryPack formatter to it.
/// </summary>
/// <remarks>
/// The id is the event's identity on the wire and in every log, forever: never reuse an id for another type,
/// never change a type's id. Zero is reserved. See <c>docs/contracts.md</c>.
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false, AllowMultiple = false)]
public sealed class ZamEventAttribute(uint id) : Attribute
{
    /// <summary>The event type id written in every <see cref="EventEnvelope.EventType"/>. Never zero.</summary>
    public uint Id { get; } = id;
}

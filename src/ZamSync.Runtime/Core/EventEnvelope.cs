namespace ZamSync;

/// <summary>
/// One event as it is stored and replicated: who made it (<see cref="Origin"/>, <see cref="Sequence"/>,
/// its key forever), when (<see cref="Hlc"/>), what kind (<see cref="EventType"/>) and its serialized body.
/// </summary>
/// <remarks>
/// <see cref="Payload"/> may point into a buffer the engine reuses: a state store that keeps bytes beyond
/// the <c>Apply</c> call must copy them.
/// </remarks>
public readonly record struct EventEnvelope(NodeId Origin, ulong Sequence, Hlc Hlc, uint EventType, ReadOnlyMemory<byte> Payload)
{
    public EventKey Key => new(Hlc, Origin, Sequence);

    public override string ToString() => $"{Origin}#{Sequence} type {EventType} at {Hlc} ({Payload.Length} bytes)";
}

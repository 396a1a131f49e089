namespace ZamSync.PostgreSql;

/// <summary>
/// A local event before the store has placed it: the store gives it the hub's next sequence, contiguous across every
/// process of the hub, and a stamp above the hub's earlier events.
/// </summary>
/// <param name="Hlc">The stamp the submitting process read from its clock; raised by the store when another process already stamped later.</param>
/// <param name="EventType">The event's type id.</param>
/// <param name="Payload">The serialized body (copied into the database).</param>
public readonly record struct LocalEvent(Hlc Hlc, uint EventType, ReadOnlyMemory<byte> Payload);

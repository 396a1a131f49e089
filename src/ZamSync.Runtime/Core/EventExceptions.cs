namespace ZamSync;

/// <summary>
/// An append would leave a hole in an origin's sequence: <see cref="Got"/> arrived where <see cref="Expected"/> was
/// next. Nothing of the append was kept. From <see cref="IEventStore.WaitDurableAsync"/> of a store that finds holes only
/// when it writes (a database shared by several processes); the engine itself never lets one escape (a peer's hole is a
/// <see cref="SyncProtocolException"/>, and a local event's sequence is counted again).
/// </summary>
public sealed class SequenceHoleException(NodeId origin, ulong expected, ulong got)
    : ZamException($"Event {origin}#{got} does not continue its origin's sequence (expected #{expected}): it would leave a hole.")
{
    /// <summary>The origin whose sequence would break.</summary>
    public NodeId Origin { get; } = origin;

    /// <summary>The sequence the store expected next for <see cref="Origin"/>.</summary>
    public ulong Expected { get; } = expected;

    /// <summary>The sequence the append carried instead.</summary>
    public ulong Got { get; } = got;
}

/// <summary>
/// <see cref="ZamEngine.SubmitAsync(uint, ReadOnlyMemory{byte}, CancellationToken)"/> was refused by the engine's
/// <see cref="IEventValidator"/>; nothing was stored. The message (one line, for people) carries <see cref="Reason"/>.
/// </summary>
public sealed class EventRefusedException(uint eventType, string reason)
    : ZamException($"The event (type {eventType}) was refused by the validator: {reason}")
{
    /// <summary>The refused event's type id.</summary>
    public uint EventType { get; } = eventType;

    /// <summary>What the validator said, verbatim.</summary>
    public string Reason { get; } = reason;
}

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

/// <summary>
/// A local submit was refused because this node is missing some of its own events: it was restored from a backup
/// (<see cref="ZamEngine.MarkRestored"/>), or a peer holds more of its origin than its log does. Minting now would give
/// a sequence its peers already hold under another event. Sync with a peer (a hub) first; nothing was stored.
/// </summary>
public sealed class OwnEventsMissingException(NodeId node, ulong held, ulong? heldElsewhere, NodeId? heldBy, bool restored)
    : ZamException(Describe(node, held, heldElsewhere, heldBy, restored))
{
    /// <summary>The node that refused the submit.</summary>
    public NodeId Node { get; } = node;

    /// <summary>The highest own sequence this node holds.</summary>
    public ulong Held { get; } = held;

    /// <summary>The highest own sequence a peer is known to hold, when one is known to hold more.</summary>
    public ulong? HeldElsewhere { get; } = heldElsewhere;

    /// <summary>The peer known to hold <see cref="HeldElsewhere"/>.</summary>
    public NodeId? HeldBy { get; } = heldBy;

    /// <summary>Whether the directory is marked as restored and has not synced since.</summary>
    public bool Restored { get; } = restored;

    private static string Describe(NodeId node, ulong held, ulong? elsewhere, NodeId? by, bool restored) =>
        elsewhere is { } e && by is { } peer
            ? $"Node {node} holds its own events only up to #{held} but peer {peer} holds up to #{e}: sync with a peer to get them back before submitting (nothing was stored)."
            : restored
                ? $"Node {node} was restored from a backup (its own events end at #{held}) and has not synced since: sync with a peer before submitting, so no sequence is used twice (nothing was stored)."
                : $"Node {node} is missing some of its own events (nothing was stored).";
}

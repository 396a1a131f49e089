namespace ZamSync.Sync;

/// <summary>The kinds of message a session exchanges. The first byte of every message.</summary>
internal enum SyncMessageKind : byte
{
    Handshake = 1,
    EventBatch = 2,
    SyncComplete = 3,
    Refuse = 4,
    ContractSchema = 5,
}

/// <summary>Base of the session's messages.</summary>
internal abstract record SyncMessage(SyncMessageKind Kind);

/// <summary>
/// Opens a session: who I am, which protocol and contract I speak, what I hold, and (from the initiator)
/// how many bytes the responder may send back.
/// </summary>
internal sealed record HandshakeMessage(
    ushort ProtocolVersion, NodeId NodeId, SyncRole Role, string ContractFingerprint, long MaxBytesToReceive, VersionVector Holds,
    string ContractSchema = "", HandshakeFlags Flags = HandshakeFlags.None)
    : SyncMessage(SyncMessageKind.Handshake)
{
    /// <summary>The sender's frontier claim about itself and those it relays (docs/engine.md, "Frontiers").</summary>
    internal IReadOnlyList<FrontierClaim> Frontiers { get; init; } = [];

    /// <summary>From the responder: send me only your own events (it serves under <see cref="AccessPolicy.OwnOnly"/>).</summary>
    internal bool OwnEventsOnly { get; init; }

    // Written out because the claims are a list, which a record would compare by reference.
    public bool Equals(HandshakeMessage? other) =>
        other is not null && ProtocolVersion == other.ProtocolVersion && NodeId == other.NodeId && Role == other.Role &&
        ContractFingerprint == other.ContractFingerprint && MaxBytesToReceive == other.MaxBytesToReceive &&
        Holds.Equals(other.Holds) && ContractSchema == other.ContractSchema && Flags == other.Flags &&
        Frontiers.SequenceEqual(other.Frontiers) && OwnEventsOnly == other.OwnEventsOnly;

    public override int GetHashCode() => HashCode.Combine(ProtocolVersion, NodeId, Role, ContractFingerprint, MaxBytesToReceive, ContractSchema, Flags, Frontiers.Count);
}

/// <summary>What a handshake says about the contract schema (docs/protocol.md, "Contracts").</summary>
[Flags]
internal enum HandshakeFlags : byte
{
    None = 0,

    /// <summary>
    /// From the initiator: it has a schema but left it out, expecting the responder's contract to be its own; a
    /// responder with another fingerprint asks for it (<see cref="SchemaRequested"/>) instead of judging without it.
    /// </summary>
    SchemaOmitted = 1,

    /// <summary>From the responder: send your schema (<see cref="ContractSchemaMessage"/>) before anything else.</summary>
    SchemaRequested = 2,

    /// <summary>From the responder: it asks for an omitted schema, so an initiator may omit its schema next time.</summary>
    CanRequestSchema = 4,

    /// <summary>
    /// From the initiator: a probe (<see cref="SyncProbe"/>, <c>zamsync ping</c>). The responder answers with its
    /// handshake and ends the session there: it sends no events, judges no contract and records nothing of the prober
    /// (not even as a peer, which compaction would then wait for).
    /// </summary>
    Probe = 8,
}

/// <summary>The initiator's contract schema, sent only when the responder asked for it in its handshake.</summary>
internal sealed record ContractSchemaMessage(string Schema) : SyncMessage(SyncMessageKind.ContractSchema);

/// <summary>Up to a few hundred events, sent in the order the receiver can apply them.</summary>
internal sealed record EventBatchMessage(IReadOnlyList<EventEnvelope> Events) : SyncMessage(SyncMessageKind.EventBatch);

/// <summary>
/// Ends one direction of the session and acknowledges what the sender durably holds now (so the peer may
/// count it as delivered), and whether the sender stopped at its byte budget.
/// </summary>
internal sealed record SyncCompleteMessage(bool BudgetExhausted, VersionVector Holds) : SyncMessage(SyncMessageKind.SyncComplete);

/// <summary>The sender will not go on, and says why. The connection closes after it.</summary>
internal sealed record RefuseMessage(RefuseReason Reason, string Detail) : SyncMessage(SyncMessageKind.Refuse);

internal enum SyncRole : byte
{
    Initiator = 1,
    Responder = 2,
}

public enum RefuseReason : ushort
{
    ProtocolVersion = 1,
    ContractMismatch = 2,
    WrongNode = 3,
    NotAllowed = 4,
    ProtocolViolation = 5,
    EventsCompacted = 6,
    /// <summary>
    /// The TLS layer refused the peer's certificate (untrusted, expired, wrong role or wrong node). Never sent in a
    /// Refuse message: TLS refusals happen before any ZamSync message, and the connection simply closes.
    /// </summary>
    CertificateRefused = 7,
}

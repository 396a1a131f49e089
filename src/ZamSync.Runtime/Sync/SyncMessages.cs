namespace ZamSync.Sync;

/// <summary>The kinds of message a session exchanges. The first byte of every message.</summary>
public enum SyncMessageKind : byte
{
    Handshake = 1,
    EventBatch = 2,
    SyncComplete = 3,
    Refuse = 4,
}

/// <summary>Base of the session's messages.</summary>
public abstract record SyncMessage(SyncMessageKind Kind);

/// <summary>
/// Opens a session: who I am, which protocol and contract I speak, what I hold, and (from the initiator)
/// how many bytes the responder may send back.
/// </summary>
public sealed record HandshakeMessage(
    ushort ProtocolVersion, NodeId NodeId, SyncRole Role, string ContractFingerprint, long MaxBytesToReceive, VersionVector Holds,
    string ContractSchema = "")
    : SyncMessage(SyncMessageKind.Handshake);

/// <summary>Up to a few hundred events, sent in the order the receiver can apply them.</summary>
public sealed record EventBatchMessage(IReadOnlyList<EventEnvelope> Events) : SyncMessage(SyncMessageKind.EventBatch);

/// <summary>
/// Ends one direction of the session and acknowledges what the sender durably holds now (so the peer may
/// count it as delivered), and whether the sender stopped at its byte budget.
/// </summary>
public sealed record SyncCompleteMessage(bool BudgetExhausted, VersionVector Holds) : SyncMessage(SyncMessageKind.SyncComplete);

/// <summary>The sender will not go on, and says why. The connection closes after it.</summary>
public sealed record RefuseMessage(RefuseReason Reason, string Detail) : SyncMessage(SyncMessageKind.Refuse);

public enum SyncRole : byte
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
}

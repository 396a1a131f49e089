namespace ZamSync.Sync;

/// <summary>What one session did.</summary>
public sealed record SyncStats
{
    public NodeId Peer { get; init; }

    /// <summary>Events this side sent.</summary>
    public int EventsSent { get; init; }

    /// <summary>New events this side received and stored (replays of held events not counted).</summary>
    public int EventsReceived { get; init; }

    /// <summary>Received events the local validator quarantined.</summary>
    public int EventsQuarantined { get; init; }

    /// <summary>Wire bytes sent, control messages and framing included.</summary>
    public long BytesSent { get; init; }

    /// <summary>Wire bytes received.</summary>
    public long BytesReceived { get; init; }

    /// <summary>
    /// True when either direction stopped at the byte budget: something is still waiting, and the next
    /// session continues where this one stopped.
    /// </summary>
    public bool BudgetExhausted { get; init; }

    /// <summary>This side stopped sending events at the byte budget: the peer still lacks some of ours.</summary>
    public bool SendingStoppedByBudget { get; init; }

    /// <summary>The peer stopped sending events at the byte budget (its own, or ours as the initiator's): we still lack some of its.</summary>
    public bool ReceivingStoppedByBudget { get; init; }

    public TimeSpan Duration { get; init; }

    /// <summary>
    /// On the responder: the initiator only probed (<see cref="SyncProbe"/>, <c>zamsync ping</c>): handshakes were exchanged and
    /// nothing else; nothing about the prober was recorded. A host's per-peer session history should skip it.
    /// </summary>
    public bool Probe { get; init; }

    /// <summary>
    /// On the initiator, the responder's contract fingerprint when the responder asks for omitted schemas (null
    /// otherwise, and on the responder). The engine remembers it (<see cref="ZamEngine.PeerContract"/>) and the next
    /// session this node initiates to the peer uses it, so this node's schema stays home while the contracts are the same.
    /// </summary>
    public string? PeerContractFingerprint { get; init; }
}

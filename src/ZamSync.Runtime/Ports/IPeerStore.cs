namespace ZamSync;

/// <summary>
/// What this node knows of each peer: what it holds (what it declared in its handshake plus what it acknowledged
/// receiving; never our own vector) and the contract fingerprint it last presented as a responder that can ask for
/// omitted schemas. The engine keeps the table in memory, hands the store only the peers that changed, once per
/// session (and before compaction, which trusts only what the store has made durable).
/// </summary>
public interface IPeerStore
{
    /// <summary>Reads the whole table, once, when the engine opens.</summary>
    ValueTask<IReadOnlyDictionary<NodeId, PeerRecord>> LoadAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Durably records the entries of the peers in <paramref name="changed"/>; peers not in it keep what they had.
    /// A store must never let a peer's <see cref="PeerRecord.Holds"/> go backwards (merge, do not replace), and keeps
    /// the latest <see cref="PeerRecord.ContractFingerprint"/> (null forgets it).
    /// </summary>
    ValueTask SaveAsync(IReadOnlyDictionary<NodeId, PeerRecord> changed, CancellationToken cancellationToken = default);
}

/// <summary>One peer's entry in the <see cref="IPeerStore"/>.</summary>
/// <param name="Holds">What the peer is known to hold.</param>
/// <param name="ContractFingerprint">
/// The contract fingerprint the peer presented in the last completed handshake where it answered this node and flagged
/// that it asks for omitted schemas (docs/protocol.md, "Contracts"); null when unknown or not safe to rely on. While it
/// is this node's own, sessions this node initiates to the peer leave the contract schema out.
/// </param>
public sealed record PeerRecord(VersionVector Holds, string? ContractFingerprint = null);

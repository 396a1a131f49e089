namespace ZamSync;

/// <summary>
/// What this node knows of each peer: what it holds (what it declared in its handshake plus what it acknowledged
/// receiving; never our own vector) and the contract fingerprint it last presented as a responder that can ask for
/// omitted schemas. Compaction trusts the vectors, so writes must be atomic and durable.
/// </summary>
public interface IPeerStore
{
    IReadOnlyDictionary<NodeId, PeerRecord> Load();

    /// <summary>Durably replaces the whole table.</summary>
    void Save(IReadOnlyDictionary<NodeId, PeerRecord> peers);
}

/// <summary>One peer's entry in the <see cref="IPeerStore"/>.</summary>
/// <param name="Holds">What the peer is known to hold.</param>
/// <param name="ContractFingerprint">
/// The contract fingerprint the peer presented in the last completed handshake where it answered this node and flagged
/// that it asks for omitted schemas (docs/protocol.md, "Contracts"); null when unknown or not safe to rely on. While it
/// is this node's own, sessions this node initiates to the peer leave the contract schema out.
/// </param>
public sealed record PeerRecord(VersionVector Holds, string? ContractFingerprint = null);

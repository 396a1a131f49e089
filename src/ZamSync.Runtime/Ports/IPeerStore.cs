namespace ZamSync;

/// <summary>
/// What each peer is known to hold: what it declared in its handshake plus what it acknowledged receiving.
/// Never our own vector. Compaction trusts it, so writes must be atomic and durable.
/// </summary>
public interface IPeerStore
{
    IReadOnlyDictionary<NodeId, VersionVector> Load();

    /// <summary>Durably replaces the whole table.</summary>
    void Save(IReadOnlyDictionary<NodeId, VersionVector> peers);
}

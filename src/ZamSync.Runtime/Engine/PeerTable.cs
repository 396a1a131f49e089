namespace ZamSync;

/// <summary>
/// What each peer holds, as far as this node can prove (the union of what it declared and what it acknowledged), and
/// the contract fingerprint it last presented where that is safe to rely on. Persisted on every change through the
/// peer store (atomically), because compaction trusts it.
/// </summary>
internal sealed class PeerTable
{
    private readonly IPeerStore _store;
    private readonly Lock _gate = new();
    private readonly Dictionary<NodeId, Entry> _peers;

    public PeerTable(IPeerStore store)
    {
        _store = store;
        _peers = store.Load().ToDictionary(p => p.Key, p => new Entry(p.Value.Holds.Clone(), Normalize(p.Value.ContractFingerprint)));
    }

    public VersionVector Get(NodeId peer)
    {
        lock (_gate) return _peers.TryGetValue(peer, out var entry) ? entry.Holds.Clone() : new VersionVector();
    }

    public string? Contract(NodeId peer)
    {
        lock (_gate) return _peers.TryGetValue(peer, out var entry) ? entry.Contract : null;
    }

    public IReadOnlyDictionary<NodeId, VersionVector> All()
    {
        lock (_gate) return _peers.ToDictionary(p => p.Key, p => p.Value.Holds.Clone());
    }

    /// <summary>Merges what <paramref name="peer"/> holds; saves only when that adds something (or the peer is new).</summary>
    public void Merge(NodeId peer, VersionVector holds)
    {
        lock (_gate)
        {
            if (MergeLocked(peer, holds)) Save();
        }
    }

    /// <summary>
    /// Merges what <paramref name="peer"/> holds and sets the contract fingerprint it presented (null forgets it), in
    /// one save, and only when either changed.
    /// </summary>
    public void Merge(NodeId peer, VersionVector holds, string? contract)
    {
        contract = Normalize(contract);
        lock (_gate)
        {
            bool changed = MergeLocked(peer, holds);
            var entry = _peers[peer];
            if (!string.Equals(entry.Contract, contract, StringComparison.Ordinal))
            {
                entry.Contract = contract;
                changed = true;
            }
            if (changed) Save();
        }
    }

    /// <summary>Forgets the contract fingerprint of <paramref name="peer"/>, if one is known.</summary>
    public void ForgetContract(NodeId peer)
    {
        lock (_gate)
        {
            if (!_peers.TryGetValue(peer, out var entry) || entry.Contract is null) return;
            entry.Contract = null;
            Save();
        }
    }

    private bool MergeLocked(NodeId peer, VersionVector holds)
    {
        // A peer we have never met is recorded even if it holds nothing: compaction must wait for it.
        if (_peers.TryGetValue(peer, out var current))
        {
            if (current.Holds.Dominates(holds)) return false;
        }
        else
        {
            _peers[peer] = current = new Entry(new VersionVector(), null);
        }
        current.Holds.Merge(holds);
        return true;
    }

    private void Save() => _store.Save(_peers.ToDictionary(p => p.Key, p => new PeerRecord(p.Value.Holds, p.Value.Contract)));

    private static string? Normalize(string? contract) => string.IsNullOrEmpty(contract) ? null : contract;

    private sealed class Entry(VersionVector holds, string? contract)
    {
        public VersionVector Holds { get; } = holds;

        public string? Contract { get; set; } = contract;
    }
}

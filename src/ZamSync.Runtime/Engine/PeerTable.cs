namespace ZamSync;

/// <summary>
/// What each peer holds, as far as this node can prove: the union of what it declared and what it
/// acknowledged. Persisted on every change through the peer store (atomically), because compaction
/// trusts it.
/// </summary>
internal sealed class PeerTable
{
    private readonly IPeerStore _store;
    private readonly Lock _gate = new();
    private readonly Dictionary<NodeId, VersionVector> _peers;

    public PeerTable(IPeerStore store)
    {
        _store = store;
        _peers = store.Load().ToDictionary(p => p.Key, p => p.Value.Clone());
    }

    public VersionVector Get(NodeId peer)
    {
        lock (_gate) return _peers.TryGetValue(peer, out var vv) ? vv.Clone() : new VersionVector();
    }

    public IReadOnlyDictionary<NodeId, VersionVector> All()
    {
        lock (_gate) return _peers.ToDictionary(p => p.Key, p => p.Value.Clone());
    }

    public void Merge(NodeId peer, VersionVector holds)
    {
        lock (_gate)
        {
            // A peer we have never met is recorded even if it holds nothing: compaction must wait for it.
            if (_peers.TryGetValue(peer, out var current))
            {
                if (current.Dominates(holds)) return;
            }
            else
            {
                _peers[peer] = current = new VersionVector();
            }
            current.Merge(holds);
            _store.Save(_peers);
        }
    }
}

namespace ZamSync;

/// <summary>
/// What each peer holds, as far as this node can prove (the union of what it declared and what it acknowledged), and
/// the contract fingerprint it last presented where that is safe to rely on. Changes take effect in memory at once
/// (every read sees them) and reach the peer store coalesced: <see cref="FlushAsync"/> writes only the peers that
/// changed since the last flush, once per session and before compaction, never under the table's lock.
/// </summary>
internal sealed class PeerTable
{
    private readonly IPeerStore _store;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private readonly Dictionary<NodeId, Entry> _peers;
    private readonly Dictionary<NodeId, VersionVector> _durable;
    private readonly HashSet<NodeId> _dirty = new();

    public PeerTable(IPeerStore store, IReadOnlyDictionary<NodeId, PeerRecord> loaded)
    {
        _store = store;
        _peers = loaded.ToDictionary(p => p.Key, p => new Entry(p.Value.Holds.Clone(), Normalize(p.Value.ContractFingerprint)));
        _durable = loaded.ToDictionary(p => p.Key, p => p.Value.Holds.Clone());
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

    /// <summary>What the store has made durable of each peer: what survives a crash, so what compaction may trust.</summary>
    public IReadOnlyDictionary<NodeId, VersionVector> Durable()
    {
        lock (_gate) return _durable.ToDictionary(p => p.Key, p => p.Value.Clone());
    }

    /// <summary>Merges what <paramref name="peer"/> holds; marks it for the next flush only when that adds something (or the peer is new).</summary>
    public void Merge(NodeId peer, VersionVector holds)
    {
        lock (_gate)
        {
            if (MergeLocked(peer, holds)) _dirty.Add(peer);
        }
    }

    /// <summary>
    /// Merges what <paramref name="peer"/> holds and sets the contract fingerprint it presented (null forgets it), as
    /// one change, and only when either changed.
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
            if (changed) _dirty.Add(peer);
        }
    }

    /// <summary>Forgets the contract fingerprint of <paramref name="peer"/>, if one is known.</summary>
    public void ForgetContract(NodeId peer)
    {
        lock (_gate)
        {
            if (!_peers.TryGetValue(peer, out var entry) || entry.Contract is null) return;
            entry.Contract = null;
            _dirty.Add(peer);
        }
    }

    /// <summary>
    /// Writes the peers changed since the last flush, in one store call. Flushes run one at a time (so records reach
    /// the store in order) but never hold the table's lock while the store writes, so sessions keep reading and merging.
    /// A failed write leaves the peers marked, for the next flush to retry.
    /// </summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _flushing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Dictionary<NodeId, PeerRecord> changed;
            lock (_gate)
            {
                if (_dirty.Count == 0) return;
                changed = _dirty.ToDictionary(p => p, p => new PeerRecord(_peers[p].Holds.Clone(), _peers[p].Contract));
                _dirty.Clear();
            }
            try
            {
                await _store.SaveAsync(changed, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                lock (_gate) _dirty.UnionWith(changed.Keys);
                throw;
            }
            lock (_gate)
            {
                foreach (var (peer, record) in changed)
                {
                    if (_durable.TryGetValue(peer, out var durable)) durable.Merge(record.Holds);
                    else _durable[peer] = record.Holds;
                }
            }
        }
        finally
        {
            _flushing.Release();
        }
    }

    /// <summary>
    /// Merges in what the store holds now: a store shared by several processes of this node (PostgreSQL) has peers and
    /// knowledge the other processes recorded since this one loaded it, and compaction must wait for those peers too.
    /// What the store holds is durable, so it counts for <see cref="Durable"/> as well; nothing is marked for a flush.
    /// </summary>
    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        var loaded = await _store.LoadAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            foreach (var (peer, record) in loaded)
            {
                MergeLocked(peer, record.Holds);
                if (_durable.TryGetValue(peer, out var durable)) durable.Merge(record.Holds);
                else _durable[peer] = record.Holds.Clone();
            }
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

    private static string? Normalize(string? contract) => string.IsNullOrEmpty(contract) ? null : contract;

    private sealed class Entry(VersionVector holds, string? contract)
    {
        public VersionVector Holds { get; } = holds;

        public string? Contract { get; set; } = contract;
    }
}

namespace ZamSync;

/// <summary>
/// The frontier claims this node has heard (from each origin's own handshakes, or relayed), the best one per
/// origin. Kept in memory only: a node that restarts has forgotten them, which only makes compaction more cautious
/// until its next sessions (the held events' own stamps still bound it). Thread-safe.
/// </summary>
internal sealed class FrontierTable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<NodeId, FrontierClaim> _claims = new();

    /// <summary>Keeps <paramref name="claim"/> if it promises more than the one held for its origin.</summary>
    public void Merge(FrontierClaim claim)
    {
        lock (_gate)
        {
            if (!_claims.TryGetValue(claim.Origin, out var held) || claim.Stamp > held.Stamp ||
                (claim.Stamp == held.Stamp && claim.Sequence < held.Sequence))
                _claims[claim.Origin] = claim;
        }
    }

    public FrontierClaim? Get(NodeId origin)
    {
        lock (_gate) return _claims.TryGetValue(origin, out var claim) ? claim : null;
    }

    public List<FrontierClaim> All()
    {
        lock (_gate) return [.. _claims.Values];
    }
}

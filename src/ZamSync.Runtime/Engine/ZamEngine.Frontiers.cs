using ZamSync.Storage;

namespace ZamSync;

// Frontiers (docs/engine.md, "Frontiers"): what bounds the stamps of an origin's events still to come. Compaction may
// only drop events that sort before every known origin's frontier, or a late event would land after the compacted
// base on this node and in its place on every other: the same events, different states, forever.
public abstract partial class ZamEngine
{
    private readonly FrontierTable _frontiers = new();
    private readonly Lock _clockFloorGate = new();
    private Hlc _clockFloor;

    /// <summary>
    /// This node's promise for a handshake: its events after the returned sequence carry stamps above the returned
    /// stamp. The reading is persisted before it is returned, so no restart or clock set back can break it.
    /// </summary>
    internal FrontierClaim DeclareFrontier()
    {
        Hlc stamp;
        ulong sequence;
        // Under the submit lock: an own event stamped before this reading has its sequence counted (queued or
        // durable), and one stamped after it is stamped higher.
        lock (_ingest)
        {
            stamp = Clock.Tick();
            sequence = _store.HighestSequence(NodeId);
        }
        lock (_clockFloorGate)
        {
            if (stamp <= _clockFloor) return new FrontierClaim(NodeId, sequence, stamp);
            try
            {
                ClockFloorFile.Write(DataDirectory, stamp);
                _clockFloor = stamp;
                return new FrontierClaim(NodeId, sequence, stamp);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A full disk must not stop the session: promise only what is already durable — the last persisted
                // floor, or the highest own stamp (its events are in the log, queued ones are counted in the sequence).
                var own = _store.HighStamp(NodeId);
                return new FrontierClaim(NodeId, sequence, own > _clockFloor ? own : _clockFloor);
            }
        }
    }

    /// <summary>Our own claim and, unless <paramref name="ownOnly"/>, every claim we heard, for a handshake to <paramref name="peer"/>.</summary>
    internal IReadOnlyList<FrontierClaim> FrontiersFor(NodeId peer, bool ownOnly)
    {
        var claims = new List<FrontierClaim> { DeclareFrontier() };
        if (!ownOnly) claims.AddRange(_frontiers.All().Where(c => c.Origin != peer && c.Origin != NodeId));
        return claims;
    }

    /// <summary>
    /// Records the claims a peer's handshake carried. Under <paramref name="ownOnly"/> only the peer's claim about
    /// itself counts: a tenant must not be able to talk this node into compacting past another tenant's events.
    /// </summary>
    internal void RecordFrontiers(NodeId peer, IReadOnlyList<FrontierClaim> claims, bool ownOnly)
    {
        foreach (var claim in claims)
        {
            if (claim.Origin == NodeId) continue; // we know our own clock best
            if (ownOnly && claim.Origin != peer) continue;
            _frontiers.Merge(claim);
        }
    }

    /// <summary>Reads the persisted floor on open: own stamps must rise above every promise made before.</summary>
    private void RestoreClockFloor()
    {
        _clockFloor = ClockFloorFile.Read(DataDirectory);
        Clock.Restore(_clockFloor);
    }

    /// <summary>
    /// The frontier of <paramref name="origin"/> as this node knows it, or null when nothing bounds it: the highest
    /// stamp held of it, raised by a claim whose sequence this node already holds.
    /// </summary>
    private Hlc? FrontierOf(NodeId origin, ulong held)
    {
        Hlc? frontier = held > 0 ? _store.HighStamp(origin) : null;
        if (_frontiers.Get(origin) is { } claim && claim.Sequence <= held && (frontier is null || claim.Stamp > frontier))
            frontier = claim.Stamp;
        return frontier;
    }

    private IEnumerable<NodeId> ClaimedOrigins => _frontiers.All().Select(c => c.Origin);
}

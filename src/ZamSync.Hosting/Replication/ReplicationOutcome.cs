using ZamSync.Sync;

namespace ZamSync.Hosting.Replication;

/// <summary>How a round with a peer ended.</summary>
public enum ReplicationOutcome
{
    /// <summary>A session completed (perhaps stopped at the byte budget: the next one continues).</summary>
    Synced,

    /// <summary>Every attempt failed transiently (unreachable, cut, timed out); the next try is at the next interval.</summary>
    RetriesExhausted,

    /// <summary>
    /// Failed in a way a retry would repeat (a refusal, a protocol violation, a session budget too small for the
    /// handshake, a certificate problem): not retried until the next interval.
    /// </summary>
    Failed,

    /// <summary>Today's byte budget is spent: no session starts until the next day.</summary>
    DailyBudgetSpent,

    /// <summary>Asked for too soon after the last round's start (<see cref="ZamReplicatorOptions.MinInterval"/>); nothing was started.</summary>
    Throttled,
}

/// <summary>What one round with a peer did.</summary>
/// <param name="Peer">The peer.</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="Stats">The completed session's stats (null unless <see cref="ReplicationOutcome.Synced"/>).</param>
/// <param name="Error">The last error's message, when the round failed.</param>
/// <param name="Attempts">Sessions attempted in the round (0 when throttled or the budget was spent before any).</param>
/// <param name="NextAttempt">When the peer is next synced on the schedule (or may be asked for again, when throttled).</param>
public sealed record PeerSyncResult(
    NodeId Peer, ReplicationOutcome Outcome, SyncStats? Stats, string? Error, int Attempts, DateTimeOffset? NextAttempt);

/// <summary>What <see cref="ZamReplicator.SyncNowAsync(CancellationToken)"/> did with every peer.</summary>
public sealed record ReplicationResult(IReadOnlyList<PeerSyncResult> Peers)
{
    /// <summary>True when every peer's round ended <see cref="ReplicationOutcome.Synced"/>.</summary>
    public bool AllSynced => Peers.All(p => p.Outcome == ReplicationOutcome.Synced);
}

/// <summary>
/// A snapshot of what the replicator knows about one peer (immutable: a new one is made on every change, see
/// <see cref="ZamReplicator.PeerChanged"/>).
/// </summary>
/// <param name="Peer">The peer's node id.</param>
/// <param name="Address">Where it is reached.</param>
/// <param name="Syncing">True while a round with it runs (including a backoff wait).</param>
/// <param name="LastAttempt">When the last session attempt began.</param>
/// <param name="LastSuccess">When the last session completed.</param>
/// <param name="LastError">The last failed attempt's message (kept after a later success, see <see cref="LastOutcome"/>).</param>
/// <param name="NextAttempt">When the next attempt is due: a retry during backoff, else the next scheduled round.</param>
/// <param name="ConsecutiveFailures">Failed attempts since the last success.</param>
/// <param name="LastOutcome">How the last round ended (null before the first).</param>
/// <param name="BytesToday">Wire bytes sent plus received with this peer in the current budget day.</param>
/// <param name="LastStats">The last completed session's stats.</param>
public sealed record ReplicatorPeerState(
    NodeId Peer,
    string Address,
    bool Syncing,
    DateTimeOffset? LastAttempt,
    DateTimeOffset? LastSuccess,
    string? LastError,
    DateTimeOffset? NextAttempt,
    int ConsecutiveFailures,
    ReplicationOutcome? LastOutcome,
    long BytesToday,
    SyncStats? LastStats);

/// <summary>The daily byte budget as it stands.</summary>
/// <param name="Day">The current budget day (in <see cref="Boundary"/>'s calendar).</param>
/// <param name="Boundary">Where days begin.</param>
/// <param name="BytesToday">Wire bytes sent plus received with all peers today.</param>
/// <param name="MaxBytesPerDay">The cap, if any.</param>
/// <param name="BytesLeft">What is left today (null without a cap).</param>
/// <param name="NextDay">When the next day (and a fresh budget) begins.</param>
/// <param name="Spent">True when no session starts before <paramref name="NextDay"/>: nothing is left, or what is left
/// cannot hold a session's handshake.</param>
public sealed record ReplicatorBudgetState(
    DateOnly Day, BudgetDayBoundary Boundary, long BytesToday, long? MaxBytesPerDay, long? BytesLeft, DateTimeOffset NextDay, bool Spent);

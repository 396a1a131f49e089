using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using ZamSync.Net.Tcp;
using ZamSync.Sync;

namespace ZamSync.Hosting.Replication;

/// <summary>
/// Everything about syncing with one peer: its schedule, its rounds (one at a time: a request while a round runs joins
/// it), the backoff between a round's attempts, and its state snapshot.
/// </summary>
internal sealed partial class PeerReplicator
{
    private readonly object _lock = new();
    private readonly ZamEngine _engine;
    private readonly ZamReplicatorOptions _options;
    private readonly TcpTransportOptions _transport;
    private readonly DailyBudget _budget;
    private readonly TimeProvider _time;
    private readonly ReplicatorMetrics _metrics;
    private readonly ILogger _log;
    private readonly Action<ReplicatorPeerState> _changed;
    private readonly ResiliencePipeline _retry;
    private Task<PeerSyncResult>? _running;
    private DateTimeOffset? _lastRoundStart;
    private DateTimeOffset _nextDue;
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ReplicatorPeerState _state;

    public PeerReplicator(ZamReplicatorPeer peer, ZamEngine engine, ZamReplicatorOptions options, TcpTransportOptions transport,
        DailyBudget budget, TimeProvider time, ReplicatorMetrics metrics, ILogger log, Action<ReplicatorPeerState> changed)
    {
        Peer = new NodeId(peer.NodeId);
        Address = peer.Address;
        _engine = engine;
        _options = options;
        _transport = transport;
        _budget = budget;
        _time = time;
        _metrics = metrics;
        _log = log;
        _changed = changed;
        var now = time.GetUtcNow();
        _nextDue = now; // the first round runs as soon as the replicator starts
        _state = new ReplicatorPeerState(Peer, Address, false, null, null, null, now, 0, null, budget.BytesToday(Peer, now), null);
        _retry = BuildRetry();
    }

    public NodeId Peer { get; }

    public string Address { get; }

    public ReplicatorPeerState State
    {
        get
        {
            lock (_lock) return _state with { BytesToday = _budget.BytesToday(Peer, _time.GetUtcNow()) };
        }
    }

    /// <summary>
    /// Exponential backoff with jitter between the attempts of one round, on the injected clock (a fake one in tests
    /// drives the delays). Only transient failures are retried.
    /// </summary>
    private ResiliencePipeline BuildRetry()
    {
        if (_options.MaxRetryAttempts == 0) return ResiliencePipeline.Empty;
        return new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(SyncFailures.IsTransient),
                MaxRetryAttempts = _options.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.RetryBaseDelay,
                MaxDelay = _options.RetryMaxDelay,
                OnRetry = args =>
                {
                    var next = _time.GetUtcNow() + args.RetryDelay;
                    _metrics.Retrying(Peer);
                    LogRetrying(_log, Peer, args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception?.Message);
                    Update(s => s with { NextAttempt = next });
                    return default;
                },
            })
            .Build();
    }

    /// <summary>
    /// A round now, unless one runs (then its result) or the last began less than MinInterval ago (then
    /// <see cref="ReplicationOutcome.Throttled"/> at once, naming when to ask again).
    /// </summary>
    public Task<PeerSyncResult> RequestAsync(CancellationToken stopping)
    {
        lock (_lock)
        {
            if (_running is not null) return _running;
            var now = _time.GetUtcNow();
            if (_lastRoundStart is { } last && now < last + _options.MinInterval)
                return Task.FromResult(new PeerSyncResult(Peer, ReplicationOutcome.Throttled, null, null, 0, last + _options.MinInterval));
            return StartRoundLocked(now, stopping);
        }
    }

    /// <summary>Completes when no round runs (a round started on demand is not awaited by the schedule's loop).</summary>
    public async Task IdleAsync()
    {
        Task? running;
        lock (_lock) running = _running;
        if (running is null) return;
        try
        {
            await running.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // a round cancelled by the stop: what it received whole is kept
        }
    }

    /// <summary>Runs rounds when they are due until <paramref name="stopping"/>.</summary>
    public async Task RunScheduleAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Task<PeerSyncResult>? round;
            Task wake;
            TimeSpan wait = TimeSpan.Zero;
            lock (_lock)
            {
                wake = _wake.Task;
                round = _running;
                if (round is null)
                {
                    var now = _time.GetUtcNow();
                    var due = _nextDue;
                    if (_lastRoundStart is { } last && due < last + _options.MinInterval) due = last + _options.MinInterval;
                    if (now >= due) round = StartRoundLocked(now, stopping);
                    else wait = due - now;
                }
            }
            if (round is not null)
            {
                try
                {
                    await round.ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    return;
                }
                continue;
            }
            await WaitAsync(wait, wake, stopping).ConfigureAwait(false);
        }
    }

    /// <summary>Waits for <paramref name="wait"/> on the injected clock, or until a round ends elsewhere and the schedule moves.</summary>
    private async Task WaitAsync(TimeSpan wait, Task wake, CancellationToken stopping)
    {
        // A timer cannot wait longer than about 49 days; the loop looks again after that.
        if (wait > SyncOptions.MaxTimeout) wait = SyncOptions.MaxTimeout;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var delay = Task.Delay(wait, _time, cancel.Token);
        await Task.WhenAny(delay, wake).ConfigureAwait(false);
        await cancel.CancelAsync().ConfigureAwait(false);
    }

    private Task<PeerSyncResult> StartRoundLocked(DateTimeOffset now, CancellationToken stopping)
    {
        _lastRoundStart = now;
        _state = _state with { Syncing = true };
        var round = RunRoundAsync(now, stopping);
        _running = round;
        return round;
    }

    private async Task<PeerSyncResult> RunRoundAsync(DateTimeOffset started, CancellationToken stopping)
    {
        await Task.Yield(); // off the caller's lock
        _changed(State);
        int attempts = 0;
        PeerSyncResult? result = null;
        try
        {
            var (outcome, stats) = await _retry.ExecuteAsync(async token =>
            {
                var attempt = await AttemptAsync(token).ConfigureAwait(false);
                if (attempt.Attempted) attempts++;
                return (attempt.Outcome, attempt.Stats);
            }, stopping).ConfigureAwait(false);
            var now = _time.GetUtcNow();
            var next = outcome == ReplicationOutcome.DailyBudgetSpent
                ? Later(_budget.Days.StartOfNextDay(now), started + _options.Interval)
                : started + _options.Interval;
            if (outcome == ReplicationOutcome.DailyBudgetSpent) LogBudgetSpent(_log, Peer, next);
            result = new PeerSyncResult(Peer, outcome, stats, null, attempts, next);
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && stopping.IsCancellationRequested))
        {
            var outcome = SyncFailures.IsTransient(ex) ? ReplicationOutcome.RetriesExhausted : ReplicationOutcome.Failed;
            var next = Later(_time.GetUtcNow() + _options.Interval, started + _options.Interval);
            LogRoundFailed(_log, Peer, outcome, attempts, next, ex.Message);
            result = new PeerSyncResult(Peer, outcome, null, ex.Message, attempts, next);
        }
        finally
        {
            TaskCompletionSource wake;
            lock (_lock)
            {
                _running = null;
                if (result is not null) _nextDue = result.NextAttempt!.Value;
                _state = _state with { Syncing = false, NextAttempt = _nextDue, LastOutcome = result?.Outcome ?? _state.LastOutcome };
                wake = _wake;
                _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            wake.TrySetResult();
            _changed(State);
        }
        return result!;
    }

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private readonly record struct Attempt(bool Attempted, ReplicationOutcome Outcome, SyncStats? Stats);

    /// <summary>One session within the day's budget; throws on failure (the retry decides what happens next).</summary>
    private async ValueTask<Attempt> AttemptAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var lease = _budget.TryReserve(now, _options.MaxBytesPerSession);
        if (lease is null) return new Attempt(false, ReplicationOutcome.DailyBudgetSpent, null);
        Update(s => s with { LastAttempt = now });
        ISyncTransport? link = null;
        try
        {
            // host:port over TCP, or the hub's wss:// endpoint for a clinic that reaches it only over HTTPS.
            link = await ZamSync.Net.HubConnector.ConnectAsync(Peer, Address, _transport, cancellationToken).ConfigureAwait(false);
            var session = _engine.CreateSession(link);
            if (lease.Cap is { } cap) session.WithMaxBytes(cap);
            var stats = await session.SyncAsync(Peer, cancellationToken).ConfigureAwait(false);
            Spent(lease, stats.BytesSent, stats.BytesReceived, "synced");
            var done = _time.GetUtcNow();
            LogSynced(_log, Peer, stats.EventsSent, stats.EventsReceived, stats.BytesSent, stats.BytesReceived, stats.BudgetExhausted);
            Update(s => s with { LastSuccess = done, ConsecutiveFailures = 0, LastStats = stats });
            return new Attempt(true, ReplicationOutcome.Synced, stats);
        }
        catch (Exception ex)
        {
            // A failed session's bytes crossed the link too: its stats say how many, or else the connection's counters.
            var stats = (ex as SyncException)?.Stats;
            Spent(lease, stats?.BytesSent ?? link?.BytesSent ?? 0, stats?.BytesReceived ?? link?.BytesReceived ?? 0,
                ex is OperationCanceledException ? "cancelled" : SyncFailures.IsTransient(ex) ? "transient" : "failed");
            if (ex is OperationCanceledException && cancellationToken.IsCancellationRequested) throw;
            if (ex is SyncBudgetException && lease.LimitedByDay)
            {
                // What is left today cannot hold a handshake: the day is over for this link.
                try
                {
                    _budget.MarkSpent(_time.GetUtcNow());
                }
                catch (Exception saving) when (saving is IOException or UnauthorizedAccessException)
                {
                    LogBudgetNotSaved(_log, saving, DailyBudget.FileName);
                }
                return new Attempt(true, ReplicationOutcome.DailyBudgetSpent, null);
            }
            LogAttemptFailed(_log, Peer, Address, ex.Message);
            Update(s => s with { LastError = ex.Message, ConsecutiveFailures = s.ConsecutiveFailures + 1 });
            throw;
        }
        finally
        {
            if (link is not null) await link.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void Spent(DailyBudget.Lease lease, long sent, long received, string outcome)
    {
        _metrics.Attempted(Peer, outcome, sent, received);
        try
        {
            _budget.Complete(lease, Peer, sent + received, _time.GetUtcNow());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The count stays right in memory; only a restart before the next successful write could forget it.
            LogBudgetNotSaved(_log, ex, DailyBudget.FileName);
        }
    }

    private void Update(Func<ReplicatorPeerState, ReplicatorPeerState> change)
    {
        lock (_lock) _state = change(_state);
        _changed(State);
    }

    [LoggerMessage(601, LogLevel.Information, "Synced with {Peer}: sent {Sent} events, received {Received} ({BytesOut} B out, {BytesIn} B in, budget reached: {Exhausted})")]
    private static partial void LogSynced(ILogger logger, NodeId peer, int sent, int received, long bytesOut, long bytesIn, bool exhausted);

    [LoggerMessage(602, LogLevel.Warning, "Sync with {Peer} at {Address} failed: {Reason}")]
    private static partial void LogAttemptFailed(ILogger logger, NodeId peer, string address, string reason);

    [LoggerMessage(603, LogLevel.Information, "Retrying {Peer} (attempt {Attempt}) in {Delay}: {Reason}")]
    private static partial void LogRetrying(ILogger logger, NodeId peer, int attempt, TimeSpan delay, string? reason);

    [LoggerMessage(604, LogLevel.Warning, "Round with {Peer} ended {Outcome} after {Attempts} attempts; next at {Next}: {Reason}")]
    private static partial void LogRoundFailed(ILogger logger, NodeId peer, ReplicationOutcome outcome, int attempts, DateTimeOffset next, string reason);

    [LoggerMessage(605, LogLevel.Information, "Today's byte budget is spent: no session with {Peer} before {Next}")]
    private static partial void LogBudgetSpent(ILogger logger, NodeId peer, DateTimeOffset next);

    [LoggerMessage(606, LogLevel.Error, "Could not save the replicator's byte count ({File})")]
    private static partial void LogBudgetNotSaved(ILogger logger, Exception exception, string file);
}

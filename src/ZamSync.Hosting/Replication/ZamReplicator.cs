using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ZamSync.Hosting.Node;
using ZamSync.Net.Tcp;
using ZamSync.Net.Tls;

namespace ZamSync.Hosting.Replication;

/// <summary>
/// Keeps a hosted node synced with its peers: a round with each peer every <see cref="ZamReplicatorOptions.Interval"/>
/// and on demand (<see cref="SyncNowAsync(CancellationToken)"/>), never two at once with the same peer and never two
/// starting within <see cref="ZamReplicatorOptions.MinInterval"/>; transient failures are retried with exponential
/// backoff and jitter; sessions stay within a byte budget per session and per day (the day's count survives a restart).
/// Registered by <c>services.AddZamSyncReplicator()</c> after <c>AddZamSyncNode</c>. Every clock reading and wait
/// uses the host's <see cref="TimeProvider"/>.
/// </summary>
public sealed partial class ZamReplicator : BackgroundService
{
    private readonly IZamNode _node;
    private readonly ZamReplicatorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly ReplicatorMetrics _metrics;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private readonly string _section;
    private IReadOnlyList<PeerReplicator> _peers = [];
    private DailyBudget? _budget;
    private TlsOptions? _tls;

    /// <summary>Creates a replicator for <paramref name="node"/>; options are checked by the host (see <c>AddZamSyncReplicator</c>).</summary>
    public ZamReplicator(IZamNode node, ZamReplicatorOptions options, TimeProvider? time = null, IMeterFactory? meterFactory = null,
        ILogger<ZamReplicator>? logger = null)
        : this(node, options, time, meterFactory, logger, ZamReplicatorOptions.SectionName)
    {
    }

    internal ZamReplicator(IZamNode node, ZamReplicatorOptions options, TimeProvider? time, IMeterFactory? meterFactory, ILogger? logger, string section)
    {
        _node = node ?? throw new ArgumentNullException(nameof(node));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _section = section;
        var problems = new ZamReplicatorOptionsValidator(section).Validate(null, options);
        if (problems.Failed) throw new ArgumentException(problems.FailureMessage, nameof(options));
        _time = time ?? TimeProvider.System;
        _log = logger ?? NullLogger.Instance;
        _metrics = new ReplicatorMetrics(meterFactory, () => Peers, () => _budget?.Snapshot(_time.GetUtcNow()), _time);
    }

    /// <summary>A snapshot of every peer's state (empty until the replicator started).</summary>
    public IReadOnlyList<ReplicatorPeerState> Peers => _peers.Select(p => p.State).ToArray();

    /// <summary>Today's byte budget (null until the replicator started).</summary>
    public ReplicatorBudgetState? Budget => _budget?.Snapshot(_time.GetUtcNow());

    /// <summary>
    /// Raised with a peer's new snapshot whenever it changes: an attempt begins, fails, is scheduled for retry, a round
    /// ends. Raised on the replicator's threads; keep handlers short and never block in them.
    /// </summary>
    public event Action<ReplicatorPeerState>? PeerChanged;

    /// <summary>
    /// Syncs every peer now and returns when each round ended (retries included). A peer whose round is running
    /// is not synced twice: the call waits for that round. A peer whose last round began less than
    /// <see cref="ZamReplicatorOptions.MinInterval"/> ago answers <see cref="ReplicationOutcome.Throttled"/> at once.
    /// <paramref name="cancellationToken"/> stops the wait, not the rounds; they end when the host stops.
    /// </summary>
    public async Task<ReplicationResult> SyncNowAsync(CancellationToken cancellationToken = default)
    {
        await _ready.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        var rounds = _peers.Select(p => p.RequestAsync(_stopping.Token)).ToArray();
        return new ReplicationResult(await Task.WhenAll(rounds).WaitAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>As <see cref="SyncNowAsync(CancellationToken)"/>, with one configured peer.</summary>
    public async Task<PeerSyncResult> SyncNowAsync(NodeId peer, CancellationToken cancellationToken = default)
    {
        await _ready.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        var replicator = _peers.FirstOrDefault(p => p.Peer == peer)
            ?? throw new ArgumentException($"Node {peer} is not one of the replicator's peers ({_section}:Peers).", nameof(peer));
        return await replicator.RequestAsync(_stopping.Token).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits for the node's engine, loads the certificates and today's byte count (a problem with either fails the
    /// host's start, naming the file), then starts the schedule.
    /// </summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var engine = await _node.WhenOpenAsync(cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrWhiteSpace(_options.CertificateFile))
            _tls = ReplicatorTls.TryLoad(_options, _section, out var problem, _time) ?? throw new InvalidOperationException(problem);
        var now = _time.GetUtcNow();
        _budget = DailyBudget.Load(engine.DataDirectory, new BudgetDay(_time, _options.DayBoundary), _options.MaxBytesPerDay, now);
        var transport = new TcpTransportOptions { Tls = _tls, ConnectTimeout = _options.ConnectTimeout, Metrics = engine.Metrics };
        _peers = _options.Peers
            .Select(p => new PeerReplicator(p, engine, _options, transport, _budget, _time, _metrics, _log, Raise))
            .ToArray();
        LogStarted(_log, engine.NodeId, _peers.Count, _options.Interval, _options.MaxBytesPerSession, _options.MaxBytesPerDay);
        _ready.TrySetResult();
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A subscriber's mistake is logged; it must not stop a round halfway through its bookkeeping.</summary>
    private void Raise(ReplicatorPeerState state)
    {
        try
        {
            PeerChanged?.Invoke(state);
        }
        catch (Exception ex)
        {
            LogHandlerFailed(_log, ex, state.Peer);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _stopping.Token);
        await Task.WhenAll(_peers.Select(p => p.RunScheduleAsync(both.Token))).ConfigureAwait(false);
    }

    /// <summary>Cancels running rounds (a cancelled session loses nothing) and waits for them to end.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _ready.TrySetCanceled(CancellationToken.None);
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        // Rounds asked for by SyncNowAsync run beside the schedule: the node must not close the engine under them.
        await Task.WhenAll(_peers.Select(p => p.IdleAsync())).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        base.Dispose();
        _stopping.Dispose();
        _metrics.Dispose();
        _tls?.Certificate.Dispose();
        _tls?.Authority.Dispose();
    }

    [LoggerMessage(600, LogLevel.Information, "Replicator for node {Node} started: {Peers} peers every {Interval} (per session: {PerSession} B, per day: {PerDay} B)")]
    private static partial void LogStarted(ILogger logger, NodeId node, int peers, TimeSpan interval, long? perSession, long? perDay);

    [LoggerMessage(607, LogLevel.Error, "A PeerChanged handler failed for peer {Peer}")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, NodeId peer);
}

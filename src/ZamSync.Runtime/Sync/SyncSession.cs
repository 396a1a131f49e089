using System.Buffers;
using System.Diagnostics;
using ZamSync.Sync.Wire;

namespace ZamSync.Sync;

/// <summary>
/// One sync between this node and a peer over a transport. The initiator calls <see cref="SyncAsync"/>,
/// the responder <see cref="ServeOneAsync(CancellationToken)"/>. The session does not own the transport:
/// the caller disposes it (and should, on any error, so a refused peer sees the connection close).
/// </summary>
/// <remarks>
/// Message order (docs/protocol.md): initiator Handshake → responder Handshake, its event batches and
/// SyncComplete → initiator's batches and SyncComplete (acknowledging what it received) → responder's final
/// SyncComplete (acknowledging what it received). Each side sends at most its byte budget; the initiator's
/// budget also caps what the responder sends back, because on a metered link the download costs too.
/// </remarks>
public sealed class SyncSession
{
    private readonly ZamEngine _engine;
    private readonly ISyncTransport _transport;
    private long _maxBytes = long.MaxValue;
    private AccessPolicy _policy = AccessPolicy.All;
    private SyncOptions _options = new();
    private IProgress<SyncProgress>? _progress;
    private string? _peerContract;
    private bool _peerContractTold;

    public SyncSession(ZamEngine engine, ISyncTransport transport)
    {
        _engine = engine ?? throw new ArgumentNullException(nameof(engine));
        _transport = transport ?? throw new ArgumentNullException(nameof(transport));
    }

    /// <summary>
    /// Caps the wire bytes this side sends, and (from the initiator) the bytes the responder sends back.
    /// Event batches stop before the cap; the handshake and completions always go, so a cap below them
    /// (tens of bytes plus a few per origin, and the contract schema) sends no events at all.
    /// </summary>
    public SyncSession WithMaxBytes(long limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        _maxBytes = limit;
        return this;
    }

    /// <summary>What the peer may receive and send (usually set by the serving side, honoured in either role); <see cref="AccessPolicy.All"/> by default.</summary>
    public SyncSession WithAccessPolicy(AccessPolicy policy)
    {
        _policy = policy;
        return this;
    }

    /// <summary>Reports progress after the handshake and after every batch (for progress bars; keep it cheap).</summary>
    public SyncSession WithProgress(IProgress<SyncProgress>? progress)
    {
        _progress = progress;
        return this;
    }

    /// <summary>
    /// Tells the initiator the contract fingerprint the peer presented last time
    /// (<see cref="SyncStats.PeerContractFingerprint"/>), instead of the one the engine remembers for it
    /// (<see cref="ZamEngine.PeerContract"/>, the default). When it is this node's own, the handshake leaves the
    /// contract schema out; a peer whose contract has changed since asks for it, which costs one more message (and
    /// round trip) before any event. Null sends the schema whatever the engine remembers. Ignored by a responder.
    /// </summary>
    public SyncSession WithPeerContract(string? fingerprint)
    {
        _peerContract = fingerprint;
        _peerContractTold = true;
        return this;
    }

    public SyncSession WithOptions(SyncOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        return this;
    }

    /// <summary>Runs the session as initiator with <paramref name="peer"/>, which must be who answers.</summary>
    public Task<SyncStats> SyncAsync(NodeId peer, CancellationToken cancellationToken = default)
    {
        if (peer.IsEmpty) throw new ArgumentException("The peer needs a non-zero id.", nameof(peer));
        return new SessionRun(this, SyncRole.Initiator, peer, cancellationToken).RunAsync();
    }

    /// <summary>Serves one session from whichever peer connects.</summary>
    public Task<SyncStats> ServeOneAsync(CancellationToken cancellationToken = default) =>
        new SessionRun(this, SyncRole.Responder, default, cancellationToken).RunAsync();

    /// <summary>Serves one session from <paramref name="peer"/>; any other node is refused.</summary>
    public Task<SyncStats> ServeOneAsync(NodeId peer, CancellationToken cancellationToken = default) =>
        new SessionRun(this, SyncRole.Responder, peer, cancellationToken).RunAsync();

    /// <summary>The state of one run of a session.</summary>
    private sealed class SessionRun
    {
        private readonly SyncSession _s;
        private readonly SyncRole _role;
        private readonly CancellationToken _caller;
        private readonly ArrayBufferWriter<byte> _out = new();
        private readonly long _sent0, _received0;
        private readonly long _started = Stopwatch.GetTimestamp();
        private CancellationTokenSource _total = null!;
        private NodeId _peer;
        private long _sendLimit;
        private int _eventsSent, _eventsReceived, _quarantined;
        private int _batchesSent, _batchesReceived;
        private Activity? _activity;
        private bool _exhausted, _sendStopped, _receiveStopped;
        private bool _peerTakesOwnOnly;
        private string? _peerContract;
        private bool _awaitingReplyToOmitted;
        private bool _probed;

        public SessionRun(SyncSession session, SyncRole role, NodeId peer, CancellationToken caller)
        {
            _s = session;
            _role = role;
            _peer = peer;
            _caller = caller;
            _sent0 = session._transport.BytesSent;
            _received0 = session._transport.BytesReceived;
            _sendLimit = session._maxBytes;
        }

        private ZamEngine Engine => _s._engine;
        private ISyncTransport Transport => _s._transport;
        private long Sent => Transport.BytesSent - _sent0;

        public async Task<SyncStats> RunAsync()
        {
            using var activity = _activity = Engine.ActivitySource.StartActivity(
                Diagnostics.ZamTracing.SessionActivity, _role == SyncRole.Initiator ? ActivityKind.Client : ActivityKind.Server);
            using var total = CancellationTokenSource.CreateLinkedTokenSource(_caller);
            total.CancelAfter(_s._options.SessionTimeout);
            _total = total;
            string outcome = "failed";
            Exception? error = null;
            try
            {
                if (_role == SyncRole.Initiator) await InitiateAsync().ConfigureAwait(false);
                else await RespondAsync().ConfigureAwait(false);
                // Peer knowledge from this session's handshake and acknowledgements, in one write: the session relied
                // on it only in memory (what to send), and compaction flushes before it trusts it.
                await Engine.FlushPeerKnowledgeAsync(_total.Token).ConfigureAwait(false);
                outcome = _probed ? "probe" : "completed";
                Report(SyncPhase.Completed);
                return Stats();
            }
            catch (Exception ex) when (ex is SyncProtocolException or EventsCompactedException)
            {
                error = ex;
                // Tell the peer why before the caller closes the connection, so it sees the reason rather
                // than a bare close. Best effort: the link may be what failed.
                await TryRefuseAsync(ex is EventsCompactedException ? RefuseReason.EventsCompacted : RefuseReason.ProtocolViolation, ex.Message).ConfigureAwait(false);
                if (ex is SyncException failed) failed.Stats ??= Stats();
                throw;
            }
            catch (SyncException ex)
            {
                error = ex;
                // A refusal, a cut, a deadline or a budget too small: the peer is told nothing more (a cut link
                // could not carry it), and the caller learns what the session spent.
                outcome = ex switch
                {
                    SyncTimeoutException => "timeout",
                    SyncDisconnectedException => "disconnected",
                    SyncRefusedException => "refused",
                    _ => "failed",
                };
                ex.Stats ??= Stats();
                throw;
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                // The transport failed under us: the link, not either node.
                outcome = "disconnected";
                throw error = new SyncDisconnectedException($"The connection to {Describe()} broke: {ex.Message}", ex) { Stats = Stats() };
            }
            catch (OperationCanceledException ex) when (!_caller.IsCancellationRequested)
            {
                outcome = "timeout";
                throw error = new SyncTimeoutException($"The session with {Describe()} took longer than its {_s._options.SessionTimeout} limit.", ex) { Stats = Stats() };
            }
            catch (OperationCanceledException ex)
            {
                // The caller cancelled (a host stopping): not a failure of the peer or the link.
                outcome = "cancelled";
                error = ex;
                throw;
            }
            catch (Exception ex)
            {
                error = ex;
                throw;
            }
            finally
            {
                if (outcome is not ("completed" or "probe")) await TryFlushPeerKnowledgeAsync().ConfigureAwait(false);
                RecordMetrics(outcome);
                LogOutcome(outcome, error);
                TagActivity(outcome, error);
            }
        }

        /// <summary>
        /// A failed session still keeps what it learned (a handshake's holdings, a contract forgotten after a refusal),
        /// but its own error is what the caller must see: a failing write here is left for the next flush to retry.
        /// </summary>
        private async Task TryFlushPeerKnowledgeAsync()
        {
            try
            {
                await Engine.FlushPeerKnowledgeAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _activity?.AddException(ex);
            }
        }

        private string Describe() => _peer.IsEmpty ? "the peer" : $"peer {_peer}";

        // ---- the two roles -------------------------------------------------------------------------------

        private async Task InitiateAsync()
        {
            // A store shared with other processes of this node learns what they committed, so the handshake declares
            // it and the peer is not sent it again.
            await Engine.RefreshStoreAsync(_total.Token).ConfigureAwait(false);
            // Under OwnOnly the peer learns nothing of other origins, whichever side dialled.
            var holds = _s._policy == AccessPolicy.OwnOnly ? Restrict(Engine.Known, OriginsVisibleTo(null)) : Engine.Known;
            // Told (or remembering) that the peer had our contract last time, leave the schema home: a peer that changed
            // asks for it.
            string? told = _s._peerContractTold ? _s._peerContract : Engine.PeerContract(_peer);
            bool omit = Engine.ContractSchema.Length > 0 && told is { } known && SameContract(known);
            var hello = new HandshakeMessage(SyncMessageCodec.ProtocolVersion, Engine.NodeId, SyncRole.Initiator,
                Engine.ContractFingerprint, _s._maxBytes == long.MaxValue ? 0 : _s._maxBytes, holds,
                omit ? "" : Engine.ContractSchema, omit ? HandshakeFlags.SchemaOmitted : HandshakeFlags.None)
            {
                Frontiers = Engine.FrontiersFor(_peer, ownOnly: _s._policy == AccessPolicy.OwnOnly),
            };
            await SendAsync(hello, "sending the handshake").ConfigureAwait(false);
            _awaitingReplyToOmitted = omit;
            var reply = Expect<HandshakeMessage>(await ReceiveAsync("waiting for the handshake", _s._options.HandshakeTimeout).ConfigureAwait(false), "a handshake");
            _awaitingReplyToOmitted = false;
            await CheckPeerAsync(reply, SyncRole.Responder).ConfigureAwait(false);
            bool requested = reply.Flags.HasFlag(HandshakeFlags.SchemaRequested);
            if (requested && !omit)
                throw new SyncProtocolException($"{Describe()} asked for the contract schema it was sent.");
            if (omit && !requested && !SameContract(reply.ContractFingerprint))
                throw new SyncProtocolException($"{Describe()} has another contract ('{reply.ContractFingerprint}') but did not ask for ours.");
            // Sent before any event, like the handshake it completes: it always goes, whatever the budget.
            if (requested) await SendAsync(new ContractSchemaMessage(Engine.ContractSchema), "sending the contract schema").ConfigureAwait(false);
            _peerTakesOwnOnly = reply.OwnEventsOnly;
            _peerContract = reply.Flags.HasFlag(HandshakeFlags.CanRequestSchema) && reply.ContractFingerprint.Length > 0 ? reply.ContractFingerprint : null;
            // The handshake is complete: remember (or forget) the peer's contract with what it holds, in one write.
            Engine.RecordPeerHandshake(_peer, reply.Holds, _peerContract);
            Engine.RecordFrontiers(_peer, reply.Frontiers, ownOnly: _s._policy == AccessPolicy.OwnOnly);
            Report(SyncPhase.Handshaken);

            bool peerStopped = await ReceiveEventsAsync().ConfigureAwait(false);

            var ack = Restrict(Engine.Known, OriginsVisibleTo(reply.Holds));
            int ackSize = SyncMessageCodec.SyncCompleteSize(ack);
            bool stopped = await SendMissingAsync(reply.Holds, ackSize + Transport.FrameOverhead).ConfigureAwait(false);
            await SendAsync(new SyncCompleteMessage(stopped, ack), "sending the completion", ackSize).ConfigureAwait(false);

            var final = Expect<SyncCompleteMessage>(await ReceiveAsync("waiting for the acknowledgement", _s._options.IdleTimeout).ConfigureAwait(false), "the final acknowledgement");
            Engine.RecordPeerKnowledge(_peer, final.Holds);
            (_sendStopped, _receiveStopped) = (stopped, peerStopped);
            _exhausted = stopped || peerStopped || final.BudgetExhausted;
            Engine.CompleteOwnRecovery(_peer, reply.Holds);
        }

        private async Task RespondAsync()
        {
            var hello = Expect<HandshakeMessage>(await ReceiveAsync("waiting for the handshake", _s._options.HandshakeTimeout).ConfigureAwait(false), "a handshake");
            if (hello.Flags.HasFlag(HandshakeFlags.Probe))
            {
                await AnswerProbeAsync(hello).ConfigureAwait(false);
                return;
            }
            // Another contract and no schema to judge it by, left out on purpose: ask for it rather than guess.
            bool ask = hello.Flags.HasFlag(HandshakeFlags.SchemaOmitted) && !SameContract(hello.ContractFingerprint);
            await CheckPeerAsync(hello, SyncRole.Initiator, judgeContract: !ask).ConfigureAwait(false);
            await Engine.RefreshStoreAsync(_total.Token).ConfigureAwait(false);
            if (!ask)
            {
                Engine.RecordPeerKnowledge(_peer, hello.Holds);
                Engine.RecordFrontiers(_peer, hello.Frontiers, ownOnly: _s._policy == AccessPolicy.OwnOnly);
                Report(SyncPhase.Handshaken);
            }
            if (hello.MaxBytesToReceive > 0) _sendLimit = Math.Min(_sendLimit, hello.MaxBytesToReceive);

            // The schema only serves to judge different contracts: an initiator that presented our own fingerprint
            // has judged nothing with it (docs/protocol.md, "Contracts"), so it is left out.
            var holds = Restrict(Engine.Known, OriginsVisibleTo(null));
            string schema = SameContract(hello.ContractFingerprint) ? "" : Engine.ContractSchema;
            var flags = HandshakeFlags.CanRequestSchema | (ask ? HandshakeFlags.SchemaRequested : HandshakeFlags.None);
            await SendAsync(new HandshakeMessage(SyncMessageCodec.ProtocolVersion, Engine.NodeId, SyncRole.Responder,
                Engine.ContractFingerprint, 0, holds, schema, flags)
            {
                Frontiers = Engine.FrontiersFor(_peer, ownOnly: _s._policy == AccessPolicy.OwnOnly),
                OwnEventsOnly = _s._policy == AccessPolicy.OwnOnly,
            }, "sending the handshake").ConfigureAwait(false);
            if (ask)
            {
                var sent = Expect<ContractSchemaMessage>(await ReceiveAsync("waiting for the contract schema", _s._options.IdleTimeout).ConfigureAwait(false), "the contract schema");
                await CheckContractAsync(hello.NodeId, hello.ContractFingerprint, sent.Schema).ConfigureAwait(false);
                Engine.RecordPeerKnowledge(_peer, hello.Holds);
                Engine.RecordFrontiers(_peer, hello.Frontiers, ownOnly: _s._policy == AccessPolicy.OwnOnly);
                Report(SyncPhase.Handshaken);
            }

            // Reserve room for both completions we still owe: this one (its size is known), and the final
            // acknowledgement, whose sequences are not known yet: it is sent no larger than the widest one planned here.
            var finalOrigins = OriginsVisibleTo(hello.Holds);
            var widest = WidestAcknowledgement(finalOrigins, hello.Holds);
            int completeSize = SyncMessageCodec.SyncCompleteSize(holds);
            int ackBound = SyncMessageCodec.SyncCompleteSize(widest);
            int reserve = completeSize + ackBound + 2 * Transport.FrameOverhead;
            bool stopped = await SendMissingAsync(hello.Holds, reserve).ConfigureAwait(false);
            await SendAsync(new SyncCompleteMessage(stopped, holds), "sending the completion", completeSize).ConfigureAwait(false);

            bool peerStopped = await ReceiveEventsAsync().ConfigureAwait(false);
            var ack = AtMost(Restrict(Engine.Known, finalOrigins), widest);
            await SendAsync(new SyncCompleteMessage(peerStopped, ack), "sending the acknowledgement", ackBound).ConfigureAwait(false);
            (_sendStopped, _receiveStopped) = (stopped, peerStopped);
            _exhausted = stopped || peerStopped;
            Engine.CompleteOwnRecovery(_peer, hello.Holds);
        }

        /// <summary>
        /// A probe (<c>zamsync ping</c>): who this node is, its protocol and contract, and what it holds, in its handshake;
        /// then the session ends. Nothing is streamed, no contract judged (a prober has none), nothing recorded: the
        /// prober is no peer of ours, and compaction must not wait for it. Only the protocol version and identity rules hold.
        /// </summary>
        private async Task AnswerProbeAsync(HandshakeMessage hello)
        {
            (RefuseReason Reason, string Detail)? refusal = null;
            if (hello.ProtocolVersion != SyncMessageCodec.ProtocolVersion)
                refusal = (RefuseReason.ProtocolVersion, $"node {hello.NodeId} speaks sync protocol {hello.ProtocolVersion}, node {Engine.NodeId} speaks {SyncMessageCodec.ProtocolVersion}");
            else if (hello.Role != SyncRole.Initiator)
                refusal = (RefuseReason.WrongNode, $"node {hello.NodeId} acted as {hello.Role}, expected {SyncRole.Initiator}");
            else if (!_peer.IsEmpty && hello.NodeId != _peer)
                refusal = (RefuseReason.WrongNode, $"expected node {_peer}, but node {hello.NodeId} answered");
            await RefuseIfAsync(refusal).ConfigureAwait(false);
            _peer = hello.NodeId;
            _probed = true;
            var holds = Restrict(Engine.Known, OriginsVisibleTo(null));
            await SendAsync(new HandshakeMessage(SyncMessageCodec.ProtocolVersion, Engine.NodeId, SyncRole.Responder,
                Engine.ContractFingerprint, 0, holds, "", HandshakeFlags.None)
            {
                OwnEventsOnly = _s._policy == AccessPolicy.OwnOnly,
            }, "answering a probe").ConfigureAwait(false);
        }

        /// <summary>Whether <paramref name="fingerprint"/> is this node's own (non-empty) contract fingerprint.</summary>
        private bool SameContract(string fingerprint) =>
            fingerprint.Length > 0 && string.Equals(fingerprint, Engine.ContractFingerprint, StringComparison.Ordinal);

        /// <summary>Refuses (telling the peer why) anything but the expected node with our protocol and contract.</summary>
        /// <param name="judgeContract">False when the peer's schema is still to come (<see cref="CheckContractAsync"/>).</param>
        private async Task CheckPeerAsync(HandshakeMessage hello, SyncRole expectedRole, bool judgeContract = true)
        {
            (RefuseReason Reason, string Detail)? refusal = null;
            if (hello.ProtocolVersion != SyncMessageCodec.ProtocolVersion)
                refusal = (RefuseReason.ProtocolVersion, $"node {hello.NodeId} speaks sync protocol {hello.ProtocolVersion}, node {Engine.NodeId} speaks {SyncMessageCodec.ProtocolVersion}");
            else if (hello.Role != expectedRole)
                refusal = (RefuseReason.WrongNode, $"node {hello.NodeId} acted as {hello.Role}, expected {expectedRole}");
            else if (hello.NodeId == Engine.NodeId)
                refusal = (RefuseReason.WrongNode, $"node {hello.NodeId} tried to sync with itself (two nodes share an id?)");
            else if (!_peer.IsEmpty && hello.NodeId != _peer)
                refusal = (RefuseReason.WrongNode, $"expected node {_peer}, but node {hello.NodeId} answered");
            else if (judgeContract && !string.Equals(hello.ContractFingerprint, Engine.ContractFingerprint, StringComparison.Ordinal)
                && ContractMismatch(hello.NodeId, hello.ContractFingerprint, hello.ContractSchema) is { } mismatch)
                refusal = (RefuseReason.ContractMismatch, mismatch);
            await RefuseIfAsync(refusal).ConfigureAwait(false);
            _peer = hello.NodeId;
        }

        /// <summary>Refuses (telling the peer why) a contract, judged by the schema the peer sent after its handshake.</summary>
        private async Task CheckContractAsync(NodeId node, string fingerprint, string schema)
        {
            if (!string.Equals(fingerprint, Engine.ContractFingerprint, StringComparison.Ordinal) && ContractMismatch(node, fingerprint, schema) is { } mismatch)
                await RefuseIfAsync((RefuseReason.ContractMismatch, mismatch)).ConfigureAwait(false);
        }

        private async Task RefuseIfAsync((RefuseReason Reason, string Detail)? refusal)
        {
            if (refusal is { } r)
            {
                await TryRefuseAsync(r.Reason, r.Detail).ConfigureAwait(false);
                throw new SyncRefusedException($"Session refused: {r.Detail}.", r.Reason);
            }
        }

        /// <summary>
        /// Why two different contracts cannot sync, or null when they can: with both schemas at hand, only a slot
        /// whose type differs is a conflict (new events and new slots are what versioning is for); without them,
        /// different fingerprints are all there is to go on.
        /// </summary>
        private string? ContractMismatch(NodeId node, string fingerprint, string schema)
        {
            if (schema.Length == 0 || Engine.ContractSchema.Length == 0)
                return $"contract fingerprints differ: node {node} has '{fingerprint}', node {Engine.NodeId} has '{Engine.ContractFingerprint}'";
            IReadOnlyList<string> differences;
            try
            {
                differences = ContractCompatibility.Differences(Engine.ContractSchema, schema);
            }
            catch (FormatException ex)
            {
                return $"node {node} sent a contract schema that cannot be read ({ex.Message})";
            }
            return differences.Count == 0 ? null
                : $"contracts of node {Engine.NodeId} (here) and node {node} (there) conflict: " + string.Join("; ", differences);
        }

        private async Task TryRefuseAsync(RefuseReason reason, string detail)
        {
            try
            {
                // A refusal is bytes on a metered link like any other: shortened to what the budget has left, and
                // not sent at all when not even the reason fits (the peer then sees the connection close).
                var refusal = new RefuseMessage(reason, detail);
                while (!Fits(refusal) && refusal.Detail.Length > 0)
                    refusal = refusal with { Detail = Halve(refusal.Detail) };
                if (!Fits(refusal)) return;
                await SendAsync(refusal, "refusing").ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or ZamException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
            {
                // The refusal is a courtesy; the exception the caller sees is what matters.
            }
        }

        // ---- events --------------------------------------------------------------------------------------

        /// <summary>
        /// Stores the peer's batches until its completion; returns whether it stopped at its budget. Each batch is queued
        /// for writing as it arrives and the next one is read while earlier ones are made durable (bounded by
        /// <see cref="SyncOptions.MaxReceivedBytesInFlight"/>); the completion is taken only once all are durable, so
        /// whatever this side acknowledges next is on disk.
        /// </summary>
        private async Task<bool> ReceiveEventsAsync()
        {
            var pipeline = new ReceivePipeline(Engine, _peer, _s._options.MaxReceivedBytesInFlight, OnBatchDurable, _total.Token);
            try
            {
                return await ReceiveBatchesAsync(pipeline).ConfigureAwait(false);
            }
            catch (Exception)
            {
                await pipeline.SettleAfterFailureAsync().ConfigureAwait(false);
                throw;
            }
        }

        private void OnBatchDurable(IngestResult result)
        {
            _eventsReceived += result.Stored;
            _quarantined += result.Quarantined;
            Report(SyncPhase.Receiving);
        }

        private async Task<bool> ReceiveBatchesAsync(ReceivePipeline pipeline)
        {
            while (true)
            {
                long receivedBefore = Transport.BytesReceived;
                var message = await ReceiveAsync("receiving events", _s._options.IdleTimeout).ConfigureAwait(false);
                // The completion is acted on only once everything before it is durable: what this side acknowledges
                // next is read from what it holds, and it must never name an event that a failing write takes back.
                if (message is SyncCompleteMessage) await pipeline.DrainAsync().ConfigureAwait(false);
                switch (message)
                {
                    case EventBatchMessage batch:
                        RecordBatch(ReceivedDirection, batch.Events.Count, Transport.BytesReceived - receivedBefore);
                        if (_s._policy == AccessPolicy.OwnOnly) RejectForeign(batch.Events);
                        await pipeline.EnqueueAsync(batch.Events).ConfigureAwait(false);
                        break;
                    case SyncCompleteMessage complete:
                        Engine.RecordPeerKnowledge(_peer, complete.Holds);
                        return complete.BudgetExhausted;
                    default:
                        throw new SyncProtocolException($"Peer {_peer} sent {message.Kind} while sending events.");
                }
            }
        }

        private void RejectForeign(IReadOnlyList<EventEnvelope> events)
        {
            foreach (var e in events)
                if (e.Origin != _peer)
                    throw new SyncProtocolException($"Peer {_peer} may only send its own events, but sent {e.Origin}#{e.Sequence}.");
        }

        /// <summary>
        /// Streams what the peer lacks, batch by batch, straight from the log; stops before the batch that
        /// would cross the byte budget (keeping <paramref name="reserve"/> for the messages still owed).
        /// Returns whether the budget stopped it.
        /// </summary>
        private async Task<bool> SendMissingAsync(VersionVector theirs, int reserve)
        {
            const int MinBudgetedBatchBytes = 256;
            var options = _s._options;
            var batch = new List<EventEnvelope>(Math.Min(options.MaxBatchEvents, 1024));
            // Tracks the exact encoded size of the batch as it grows (docs/protocol.md, "Byte budget").
            var columns = new EventColumns();
            foreach (var e in MissingInFoldOrder(theirs))
            {
                // A batch is budgeted at its encoded size, but only its compressed size is charged once sent.
                // Under a tight budget, batches of at most half what is left let those savings buy more events
                // instead of stopping at the first estimate.
                long left = _sendLimit - Sent - reserve;
                // The floor keeps batches from shrinking to nothing as the budget runs out; it never exceeds the
                // configured maximum, which may be below it.
                long cap = _sendLimit == long.MaxValue ? options.MaxBatchBytes
                    : Math.Clamp(left / 2, Math.Min(MinBudgetedBatchBytes, options.MaxBatchBytes), options.MaxBatchBytes);
                long size = BatchSizeWith(columns, e);
                if (batch.Count > 0 && (batch.Count >= options.MaxBatchEvents || size > cap))
                {
                    await FlushAsync(batch, columns).ConfigureAwait(false);
                    size = BatchSizeWith(columns, e);
                }
                if (Sent + size + Transport.FrameOverhead + reserve > _sendLimit)
                {
                    if (batch.Count > 0) await FlushAsync(batch, columns).ConfigureAwait(false);
                    return true;
                }
                batch.Add(e);
                columns.Add(e);
            }
            if (batch.Count > 0) await FlushAsync(batch, columns).ConfigureAwait(false);
            return false;
        }

        private static long BatchSizeWith(EventColumns columns, in EventEnvelope e) =>
            SyncMessageCodec.EventBatchSize(columns.SizeWith(e), columns.PayloadBytes + e.Payload.Length);

        /// <summary>
        /// What the peer lacks, merged across origins into the fold order, so a receiver that holds nothing
        /// newer applies every event as it arrives instead of re-folding. Each origin's events still come in
        /// sequence order (its stream only advances when its head is taken), so no order can open a hole.
        /// </summary>
        private IEnumerable<EventEnvelope> MissingInFoldOrder(VersionVector theirs)
        {
            var heads = new PriorityQueue<IEnumerator<EventEnvelope>, EventKey>();
            var streams = new List<IEnumerator<EventEnvelope>>();
            try
            {
                foreach (var (origin, held) in Engine.Known)
                {
                    if (held <= theirs[origin] || !MaySee(origin)) continue;
                    var stream = ReadForPeer(origin, theirs[origin] + 1, held).GetEnumerator();
                    streams.Add(stream);
                    if (stream.MoveNext()) heads.Enqueue(stream, stream.Current.Key);
                }
                while (heads.TryDequeue(out var stream, out _))
                {
                    yield return stream.Current;
                    if (stream.MoveNext()) heads.Enqueue(stream, stream.Current.Key);
                }
            }
            finally
            {
                foreach (var stream in streams) stream.Dispose();
            }
        }

        /// <summary>
        /// One origin's events from <paramref name="from"/> to <paramref name="held"/>. Another session of this pair may
        /// deliver them meanwhile, be acknowledged, and let this node compact them: the read then fails, and if the
        /// peer is now known to hold what was compacted, the stream goes on after what it holds instead of refusing a
        /// peer that lacks nothing. Otherwise the failure stands (the peer really needs events that are gone).
        /// </summary>
        private IEnumerable<EventEnvelope> ReadForPeer(NodeId origin, ulong from, ulong held)
        {
            ulong next = from;
            while (next <= held)
            {
                using var events = Engine.ReadEvents(origin, next).GetEnumerator();
                while (true)
                {
                    bool more;
                    try
                    {
                        more = events.MoveNext();
                    }
                    catch (EventsCompactedException) when (Engine.PeerKnowledge(_peer)[origin] is var peerHolds && peerHolds >= next)
                    {
                        next = peerHolds + 1;
                        break;
                    }
                    if (!more || events.Current.Sequence > held) yield break;
                    next = events.Current.Sequence + 1;
                    yield return events.Current;
                }
            }
        }

        private async Task FlushAsync(List<EventEnvelope> events, EventColumns columns)
        {
            int count = events.Count;
            long size = SyncMessageCodec.EventBatchSize(columns.Size, columns.PayloadBytes);
            // The message holds a copy of the payloads: the list can be reused once it is written.
            _out.ResetWrittenCount();
            SyncMessageCodec.WriteBatch(_out, columns, events);
            long sentBefore = Transport.BytesSent;
            await SendWrittenAsync(SyncMessageKind.EventBatch, "sending events", size).ConfigureAwait(false);
            RecordBatch(SentDirection, count, Transport.BytesSent - sentBefore);
            _eventsSent += count;
            Report(SyncPhase.Sending);
            events.Clear();
            columns.Clear();
        }

        /// <summary>
        /// Whether events of <paramref name="origin"/> go to this peer: under our OwnOnly, only the peer's own; to a
        /// responder that takes only our own events (its OwnOnly), only ours.
        /// </summary>
        private bool MaySee(NodeId origin) =>
            _peerTakesOwnOnly ? origin == Engine.NodeId
            : _s._policy == AccessPolicy.All || origin == _peer;

        /// <summary>The origins a completion may mention to this peer.</summary>
        private HashSet<NodeId> OriginsVisibleTo(VersionVector? theirs)
        {
            if (_s._policy == AccessPolicy.OwnOnly) return [_peer];
            var origins = new HashSet<NodeId>(Engine.Known.Origins);
            if (theirs is not null) origins.UnionWith(theirs.Origins);
            return origins;
        }

        private static VersionVector Restrict(VersionVector vector, HashSet<NodeId> origins) =>
            new(vector.Where(e => origins.Contains(e.Key)));

        /// <summary>
        /// The largest acknowledgement this side will send over <paramref name="origins"/>: each of them, with the
        /// largest sequence whose varint is one byte longer than the larger of what this node and the peer hold now
        /// (room for 128 times as many events). An acknowledgement naming fewer of them, or smaller sequences, never
        /// encodes larger (docs/protocol.md, "Byte budget").
        /// </summary>
        private VersionVector WidestAcknowledgement(HashSet<NodeId> origins, VersionVector theirs)
        {
            var ours = Engine.Known;
            var widest = new VersionVector();
            foreach (var origin in origins)
            {
                int width = Varint.SizeOf(Math.Max(ours[origin], theirs[origin])) + 1;
                widest.Advance(origin, width >= Varint.MaxLength ? ulong.MaxValue : (1UL << (7 * width)) - 1);
            }
            return widest;
        }

        /// <summary>
        /// <paramref name="vector"/> with no entry above <paramref name="limit"/>'s. Acknowledging less than is held is
        /// safe (the peer may resend what it need not); this only bites if a session multiplied what was held by 128.
        /// </summary>
        private static VersionVector AtMost(VersionVector vector, VersionVector limit) =>
            new(vector.Select(e => KeyValuePair.Create(e.Key, Math.Min(e.Value, limit[e.Key]))));

        // ---- transport with deadlines ----------------------------------------------------------------------

        /// <param name="planned">
        /// The size the budget counted for this message, if it did: a larger encoding is a bug that would break the
        /// cap, so it is never sent.
        /// </param>
        private Task SendAsync(SyncMessage message, string phase, long planned = long.MaxValue)
        {
            _out.ResetWrittenCount();
            SyncMessageCodec.Write(message, _out);
            return SendWrittenAsync(message.Kind, phase, planned);
        }

        /// <summary>The first half of <paramref name="text"/>, never splitting a surrogate pair.</summary>
        private static string Halve(string text)
        {
            int n = text.Length / 2;
            if (n > 0 && char.IsHighSurrogate(text[n - 1])) n--;
            return text[..n];
        }

        /// <summary>Whether <paramref name="message"/>, framed, fits in what the byte budget has left.</summary>
        private bool Fits(SyncMessage message)
        {
            _out.ResetWrittenCount();
            SyncMessageCodec.Write(message, _out);
            return Sent + _out.WrittenCount + Transport.FrameOverhead <= _sendLimit;
        }

        /// <summary>Sends the message encoded in <c>_out</c>; <paramref name="planned"/> as for <see cref="SendAsync"/>.</summary>
        private async Task SendWrittenAsync(SyncMessageKind kind, string phase, long planned)
        {
            if (_out.WrittenCount > planned)
                throw new InvalidOperationException($"A {kind} message encoded to {_out.WrittenCount} bytes, more than the {planned} its budget planned.");
            // The hard cap: no message leaves past the budget, whatever it is. Events stop before it on their own
            // (SendMissingAsync keeps room for the completions), so only a budget too small for the handshake and
            // completions themselves ends here.
            if (Sent + _out.WrittenCount + Transport.FrameOverhead > _sendLimit)
                throw new SyncBudgetException(
                    $"The byte budget of {_sendLimit} B has {Math.Max(0, _sendLimit - Sent)} B left, too few for the {kind} message " +
                    $"({_out.WrittenCount + Transport.FrameOverhead} B framed) while {phase}: raise WithMaxBytes.");
            await SendRawAsync(_out.WrittenMemory, phase).ConfigureAwait(false);
        }

        private async Task SendRawAsync(ReadOnlyMemory<byte> bytes, string phase)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_total.Token);
            deadline.CancelAfter(_s._options.IdleTimeout);
            try
            {
                await Transport.SendAsync(bytes, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (!_total.IsCancellationRequested)
            {
                throw new SyncTimeoutException($"{Describe()} did not take our data for {_s._options.IdleTimeout} while {phase}.", ex);
            }
        }

        private async Task<SyncMessage> ReceiveAsync(string phase, TimeSpan timeout)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_total.Token);
            deadline.CancelAfter(timeout);
            ReadOnlyMemory<byte>? received;
            try
            {
                received = await Transport.ReceiveAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (!_total.IsCancellationRequested)
            {
                throw new SyncTimeoutException($"{Describe()} was silent for {timeout} while {phase}.", ex);
            }
            if (received is not { } bytes)
                throw new SyncDisconnectedException($"{Describe()} closed the connection while {phase}.");
            var message = SyncMessageCodec.Read(bytes);
            if (message is RefuseMessage refused)
            {
                // A responder that cannot ask for schemas (an earlier protocol 3) refuses an omitted one by fingerprint
                // when its contract changed: forget the remembered fingerprint, so the next session sends the schema.
                if (_awaitingReplyToOmitted && refused.Reason == RefuseReason.ContractMismatch) Engine.ForgetPeerContract(_peer);
                throw new SyncRefusedException($"{Describe()} refused the session ({refused.Reason}): {refused.Detail}.", refused.Reason);
            }
            return message;
        }

        private T Expect<T>(SyncMessage message, string what) where T : SyncMessage =>
            message as T ?? throw new SyncProtocolException($"{Describe()} sent {message.Kind} where {what} was due.");

        // ---- results -------------------------------------------------------------------------------------

        private void Report(SyncPhase phase)
        {
            if (phase == SyncPhase.Handshaken) _activity?.AddEvent(new ActivityEvent(Diagnostics.ZamTracing.HandshakeEvent));
            _s._progress?.Report(new SyncProgress(_peer, phase, _eventsSent, _eventsReceived, Sent, Transport.BytesReceived - _received0));
        }

        /// <summary>The session span's outcome: who, which role, what moved, and an error status when it failed.</summary>
        private void TagActivity(string outcome, Exception? error)
        {
            if (_activity is not { } activity) return;
            activity.SetTag("node", Engine.NodeId.ToString());
            if (!_peer.IsEmpty) activity.SetTag("peer", _peer.ToString());
            activity.SetTag("role", RoleName);
            activity.SetTag("outcome", outcome);
            activity.SetTag("bytes.sent", Sent);
            activity.SetTag("bytes.received", Transport.BytesReceived - _received0);
            activity.SetTag("events.sent", _eventsSent);
            activity.SetTag("events.received", _eventsReceived);
            activity.SetTag("batches.sent", _batchesSent);
            activity.SetTag("batches.received", _batchesReceived);
            if (_exhausted) activity.SetTag("budget_exhausted", true);
            if (error is null) activity.SetStatus(ActivityStatusCode.Ok);
            else
            {
                activity.AddException(error);
                activity.SetStatus(ActivityStatusCode.Error, error.Message);
            }
        }

        private SyncStats Stats() => new()
        {
            Peer = _peer,
            EventsSent = _eventsSent,
            EventsReceived = _eventsReceived,
            EventsQuarantined = _quarantined,
            BytesSent = Sent,
            BytesReceived = Transport.BytesReceived - _received0,
            BudgetExhausted = _exhausted,
            SendingStoppedByBudget = _sendStopped,
            ReceivingStoppedByBudget = _receiveStopped,
            Duration = Stopwatch.GetElapsedTime(_started),
            PeerContractFingerprint = _peerContract,
            Probe = _probed,
        };

        private string RoleName => _role == SyncRole.Initiator ? "initiator" : "responder";

        /// <summary>One line a session: information when it completed, a warning naming the error when not.</summary>
        private void LogOutcome(string outcome, Exception? error)
        {
            var log = Engine.Loggers.Sync;
            var level = error is null ? Microsoft.Extensions.Logging.LogLevel.Information : Microsoft.Extensions.Logging.LogLevel.Warning;
            if (!log.IsEnabled(level)) return;
            string peer = _peer.IsEmpty ? "an unidentified peer" : $"node {_peer}";
            double seconds = Math.Round(Stopwatch.GetElapsedTime(_started).TotalSeconds, 3);
            long received = Transport.BytesReceived - _received0;
            if (error is null)
                Diagnostics.SessionLog.Completed(log, peer, RoleName, seconds, _eventsSent, Sent, _eventsReceived, received, _exhausted);
            else
                Diagnostics.SessionLog.Failed(log, peer, RoleName, outcome, seconds, _eventsSent, Sent, _eventsReceived, received, error.Message);
        }

        private static readonly KeyValuePair<string, object?> SentDirection = new("direction", "sent");
        private static readonly KeyValuePair<string, object?> ReceivedDirection = new("direction", "received");

        /// <summary>One batch's size in events and in wire bytes (framed, compressed: what the link carried).</summary>
        private void RecordBatch(KeyValuePair<string, object?> direction, int events, long wireBytes)
        {
            if (ReferenceEquals(direction.Value, SentDirection.Value)) _batchesSent++;
            else _batchesReceived++;
            Engine.Metrics.BatchEvents.Record(events, direction);
            Engine.Metrics.BatchBytes.Record((int)Math.Min(wireBytes, int.MaxValue), direction);
        }

        private void RecordMetrics(string outcome)
        {
            var m = Engine.Metrics;
            var role = new KeyValuePair<string, object?>("role", RoleName);
            var tag = new KeyValuePair<string, object?>("outcome", outcome);
            m.Sessions.Add(1, role, tag);
            m.SessionDuration.Record(Stopwatch.GetElapsedTime(_started).TotalSeconds, role, tag);
            m.EventsSent.Add(_eventsSent);
            m.BytesSent.Add(Sent);
            m.BytesReceived.Add(Transport.BytesReceived - _received0);
            if (_exhausted) m.BudgetExhausted.Add(1);
        }
    }
}

using System.Text;
using ZamSync.Net.Framing;
using ZamSync.Sync;
using ZamSync.Wal;
using ZamSync.Tests.Support;

namespace ZamSync.Net.Tests.Convergence;

/// <summary>
/// One randomised world, fully determined by its seed: a mesh of peers or a hub with clinics, driven through
/// random steps (submits, sessions cut at random bytes and under random budgets with submitters racing them,
/// reopen, power cuts, compaction, clock jumps and drift beyond the bound), then healed with plain sessions and
/// checked against <see cref="EventModel"/>. Concurrency makes the interleavings vary between runs of one seed;
/// the choices do not.
/// </summary>
internal sealed class World : IAsyncDisposable
{
    private const long Start = 1_800_000_000_000;
    private static readonly FrameOptions Framing = new() { CompressionThreshold = 64 };

    private readonly Random _rng;
    private readonly TempDirectory _temp = new("world");
    private readonly List<WorldNode> _nodes = [];
    private readonly EventModel _model = new();
    private readonly List<string> _features = [];
    private long _now = Start;

    public World(int seed)
    {
        Seed = seed;
        _rng = new Random(seed);
        IsHub = _rng.Next(2) == 0;
    }

    public int Seed { get; }

    /// <summary>A hub (node 1) with clinics that only ever sync with it, or a mesh where any pair syncs.</summary>
    public bool IsHub { get; }

    /// <summary>What this world exercised, for the failure message and the run's summary.</summary>
    public IReadOnlyCollection<string> Features => _features.Distinct().Order().ToList();

    public async Task RunAsync()
    {
        int count = IsHub ? 3 + _rng.Next(3) : 3 + _rng.Next(3);
        var cipher = (WalCipherKind)_rng.Next(3);
        if (cipher != WalCipherKind.None) Note($"cipher {cipher}");
        Note(IsHub ? $"hub+{count - 1}" : $"mesh of {count}");
        for (int i = 1; i <= count; i++)
        {
            var key = new byte[32];
            _rng.NextBytes(key);
            var node = new WorldNode(_temp.Path, new NodeId((ulong)i), cipher, key, Start);
            await node.OpenAsync();
            _nodes.Add(node);
        }

        // Everyone records before the first sync, so every origin is heard of before anyone may compact
        // (docs/engine.md: a node nobody has heard of is the one case MinAge alone covers).
        foreach (var node in _nodes) await SubmitAsync(node, 1 + _rng.Next(3));

        int steps = 8 + _rng.Next(10);
        for (int step = 0; step < steps; step++)
        {
            _now += _rng.Next(1, 5_000);
            int pick = _rng.Next(100);
            if (pick < 18) await SubmitAsync(Any(), 1 + _rng.Next(4));
            else if (pick < 53) await SessionRoundAsync(chaos: true);
            else if (pick < 60) await SweepAsync();
            else if (pick < 68) await ReopenAsync(Any());
            else if (pick < 75) await PowerCutAsync(Any());
            else if (pick < 90) await CompactAsync(Any());
            else JumpClock(Any());
        }

        await HealAsync();
        Check();
    }

    private WorldNode Any() => _nodes[_rng.Next(_nodes.Count)];

    private void Note(string feature) => _features.Add(feature);

    private void Tick()
    {
        foreach (var node in _nodes) node.SetTime(_now);
    }

    private async Task SubmitAsync(WorldNode node, int count)
    {
        Tick();
        foreach (var e in await SubmitBatchAsync(node, count)) _model.Add(e);
    }

    /// <summary>Submits <paramref name="count"/> events at once, so they share fsyncs.</summary>
    private static async Task<EventEnvelope[]> SubmitBatchAsync(WorldNode node, int count)
    {
        var pending = new Task<EventEnvelope>[count];
        for (int i = 0; i < count; i++) pending[i] = node.Engine.SubmitAsync(1, node.NextPayload()).AsTask();
        return await Task.WhenAll(pending);
    }

    private void JumpClock(WorldNode node)
    {
        // Jumps of up to an hour either way, and now and then a drift past MaxClockDrift (15 minutes).
        if (_rng.Next(3) == 0)
        {
            node.SkewMs = (_rng.Next(2) == 0 ? -1 : 1) * (long)TimeSpan.FromMinutes(16 + _rng.Next(10)).TotalMilliseconds;
            Note("drift beyond bound");
        }
        else
        {
            node.SkewMs += _rng.NextInt64(-3_600_000, 3_600_000);
            Note("clock jump");
        }
        Tick();
    }

    private async Task ReopenAsync(WorldNode node)
    {
        Note("reopen");
        Tick();
        await node.ReopenAsync();
    }

    /// <summary>
    /// Copies the node's files while submitters run, then restarts it from the copy. What was acknowledged before
    /// the copy began must be there; what was acknowledged during it may be, and if it is it must be intact.
    /// </summary>
    private async Task PowerCutAsync(WorldNode node)
    {
        Note("power cut");
        Tick();
        var before = new List<EventEnvelope>();
        var during = new List<EventEnvelope>();
        var warmedUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool copying = false;
        using var stop = new CancellationTokenSource();
        var submitter = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var e = await node.Engine.SubmitAsync(1, node.NextPayload());
                lock (before)
                {
                    (copying ? during : before).Add(e);
                    if (before.Count >= 3) warmedUp.TrySetResult();
                }
            }
        });
        // Let a few acknowledgements land first, so the copy races real appends.
        await Task.WhenAny(warmedUp.Task, submitter);
        if (submitter.IsCompleted) await submitter;
        List<EventEnvelope> mustSurvive;
        lock (before)
        {
            copying = true;
            mustSurvive = [.. before];
        }
        var copy = await node.CopyFilesWhileRunningAsync();
        await stop.CancelAsync();
        await submitter;
        await node.RestartFromAsync(copy);

        foreach (var e in mustSurvive) _model.Add(e);
        // Events at or below the floor were compacted before the cut, so they were acknowledged and in the base.
        ulong floor = node.Engine.Compacted[node.Id];
        var recovered = node.Engine.ReadEvents(node.Id, floor + 1).ToDictionary(e => e.Sequence);
        foreach (var e in mustSurvive.Where(e => e.Sequence > floor))
            if (!recovered.TryGetValue(e.Sequence, out var got) || !EventModel.Same(got, e))
                throw new ConvergenceViolation($"Node {node.Id} lost {EventModel.Describe(e)}, acknowledged before the power cut.");
        List<EventEnvelope> late;
        lock (before) late = [.. during];
        foreach (var e in late)
            if (recovered.TryGetValue(e.Sequence, out var got))
            {
                if (!EventModel.Same(got, e)) throw new ConvergenceViolation($"Node {node.Id} recovered {EventModel.Describe(got)} where it acknowledged {EventModel.Describe(e)}.");
                _model.Add(e);
            }
    }

    private async Task CompactAsync(WorldNode node)
    {
        // The documented preconditions (docs/engine.md, "Compaction"): the node has heard of every origin (each
        // recorded before its first sync), and every node it will ever sync with is a known peer — a new peer that
        // lacks compacted events is refused by design and must be synced from a node that still holds them.
        if (_nodes.Any(n => node.Engine.Known[n.Id] == 0)) return;
        if (PeersOf(node).Any(p => !node.Engine.Peers.ContainsKey(p.Id))) return;
        Tick();
        var options = new CompactionOptions
        {
            MinAge = _rng.Next(2) == 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(_rng.Next(1, 30)),
            MaxEvents = _rng.Next(2) == 0 ? int.MaxValue : 1 + _rng.Next(20),
        };
        var result = await node.Engine.CompactAsync(options);
        if (result.EventsDropped > 0) Note("compaction");
    }

    /// <summary>One to three sessions at once, each maybe cut at a random byte and maybe budgeted, with a submitter racing them.</summary>
    private async Task SessionRoundAsync(bool chaos)
    {
        Tick();
        var pairs = new List<(WorldNode Initiator, WorldNode Responder)>();
        int sessions = chaos ? 1 + _rng.Next(3) : 1;
        for (int i = 0; i < sessions; i++) pairs.Add(PickPair());
        var plans = pairs.Select(p => Plan(p.Initiator, p.Responder, chaos)).ToList();

        Task<EventEnvelope[]>? racing = null;
        if (chaos && _rng.Next(2) == 0)
        {
            Note("concurrent submitter");
            racing = SubmitBatchAsync(Any(), 1 + _rng.Next(6));
        }
        await Task.WhenAll(plans.Select(p => p.RunAsync()));
        if (racing is not null) foreach (var e in await racing) _model.Add(e);
        if (plans.Count > 1) Note("concurrent sessions");
        foreach (var plan in plans) plan.Check();
    }

    /// <summary>The nodes this one syncs with: the hub with every clinic, a clinic with the hub, a mesh node with all.</summary>
    private IEnumerable<WorldNode> PeersOf(WorldNode node) =>
        IsHub ? node == _nodes[0] ? _nodes.Skip(1) : [_nodes[0]] : _nodes.Where(n => n != node);

    private (WorldNode, WorldNode) PickPair()
    {
        if (IsHub) return (_nodes[1 + _rng.Next(_nodes.Count - 1)], _nodes[0]);
        int a = _rng.Next(_nodes.Count), b = (a + 1 + _rng.Next(_nodes.Count - 1)) % _nodes.Count;
        return (_nodes[a], _nodes[b]);
    }

    private SessionPlan Plan(WorldNode initiator, WorldNode responder, bool chaos)
    {
        long? cutAToB = null, cutBToA = null, budget = null;
        if (chaos && _rng.Next(3) == 0)
        {
            long at = 1 + _rng.Next(800);
            if (_rng.Next(2) == 0) cutAToB = at; else cutBToA = at;
            Note("cut");
        }
        if (chaos && _rng.Next(3) == 0)
        {
            budget = 100 + _rng.Next(2_900);
            Note("budget");
        }
        return new SessionPlan(initiator, responder, new CuttableLink(cutAToB, cutBToA), budget);
    }

    /// <summary>Sessions without cuts or budgets until every node holds what the model holds (bounded rounds).</summary>
    private async Task HealAsync()
    {
        for (int round = 0; round < 4 && !Converged(); round++) await SweepAsync();
    }

    /// <summary>One plain session per link, one after another: the hub with each clinic twice, a mesh around its ring.</summary>
    private async Task SweepAsync()
    {
        Tick();
        if (IsHub)
        {
            foreach (var clinic in _nodes.Skip(1)) await RunPlainAsync(clinic, _nodes[0]);
            foreach (var clinic in _nodes.Skip(1)) await RunPlainAsync(clinic, _nodes[0]);
        }
        else
        {
            for (int i = 0; i < _nodes.Count; i++)
                await RunPlainAsync(_nodes[i], _nodes[(i + 1) % _nodes.Count]);
        }
    }

    private async Task RunPlainAsync(WorldNode initiator, WorldNode responder)
    {
        var plan = new SessionPlan(initiator, responder, new CuttableLink(null, null), null);
        await plan.RunAsync();
        plan.Check();
    }

    private bool Converged()
    {
        var heads = _model.Heads();
        return _nodes.All(n => heads.All(h => n.Engine.Known[h.Key] == h.Value));
    }

    private void Check()
    {
        _model.CheckContiguous();
        var heads = _model.Heads();
        var reference = _model.ReferenceFold();
        foreach (var node in _nodes)
        {
            var engine = node.Engine;
            foreach (var (origin, head) in heads)
            {
                if (engine.Known[origin] != head)
                    throw new ConvergenceViolation($"Node {node.Id} holds {origin} up to #{engine.Known[origin]}, the world up to #{head}.");
                ulong floor = engine.Compacted[origin];
                var held = engine.ReadEvents(origin, floor + 1).ToList();
                for (int i = 0; i < held.Count; i++)
                {
                    ulong expected = floor + 1 + (ulong)i;
                    if (held[i].Sequence != expected || !_model.TryGet(origin, expected, out var e) || !EventModel.Same(e, held[i]))
                        throw new ConvergenceViolation($"Node {node.Id} holds {EventModel.Describe(held[i])} where the model has #{expected}.");
                }
                if (floor + (ulong)held.Count != head)
                    throw new ConvergenceViolation($"Node {node.Id} compacted {origin} to #{floor} and holds {held.Count} after it, not up to #{head}.");
            }
            if (engine.Quarantined.Count > 0)
                throw new ConvergenceViolation($"Node {node.Id} quarantined {engine.Quarantined[0].Origin}#{engine.Quarantined[0].Sequence}: {engine.Quarantined[0].Reason}");
            var state = engine.Read(s => s.Entries.ToList());
            if (!state.SequenceEqual(reference))
            {
                int at = 0;
                while (at < state.Count && at < reference.Count && state[at] == reference[at]) at++;
                throw new ConvergenceViolation(
                    $"Node {node.Id} folded {state.Count} events into a state that differs from the model's fold of {reference.Count} at entry {at}: " +
                    $"'{(at < state.Count ? state[at] : "(end)")}' where the model has '{(at < reference.Count ? reference[at] : "(end)")}'.");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            try { await node.DisposeAsync(); } catch (Exception) { /* the world already failed or passed; cleanup is best effort */ }
        }
        _temp.Dispose();
    }

    /// <summary>One session over a <see cref="CuttableLink"/> through the real framing and compression.</summary>
    private sealed class SessionPlan(WorldNode initiator, WorldNode responder, CuttableLink link, long? budget)
    {
        private Exception? _initiatorError, _responderError;

        public async Task RunAsync()
        {
            var a = new FramedStreamTransport(link.A, Framing);
            var b = new FramedStreamTransport(link.B, Framing);
            var client = initiator.Engine.CreateSession(a);
            if (budget is { } max) client.WithMaxBytes(max);
            var server = responder.Engine.CreateSession(b).WithAccessPolicy(AccessPolicy.All);
            var serving = Sessions.RunSideAsync(b, () => server.ServeOneAsync(initiator.Id));
            var syncing = Sessions.RunSideAsync(a, () => client.SyncAsync(responder.Id));
            await Task.WhenAll(serving, syncing).WaitAsync(TimeSpan.FromSeconds(60));
            (_initiatorError, _responderError) = ((await syncing).Error, (await serving).Error);
        }

        /// <summary>An uncut session must succeed on both sides; no session may put more on the wire than its budget.</summary>
        public void Check()
        {
            string who = $"session {initiator.Id} -> {responder.Id}";
            if (budget is { } max && (link.PassedAToB > max || link.PassedBToA > max))
                throw new ConvergenceViolation($"The {who} put {link.PassedAToB} B up and {link.PassedBToA} B down on the wire against a {max} B budget.");
            if (link.WasCut) return;
            // A cap too small for the handshakes and completions ends the session on whichever side hits it (and
            // the other then sees the connection close); that is the cap holding, not a failure.
            if (budget is not null && (_initiatorError is SyncBudgetException || _responderError is SyncBudgetException)) return;
            if (_initiatorError is not null || _responderError is not null)
                throw new ConvergenceViolation(
                    $"The uncut {who}{(budget is { } b ? $" (budget {b} B)" : "")} failed. Initiator: {Show(_initiatorError)}; responder: {Show(_responderError)}");
        }

        private static string Show(Exception? e) => e is null ? "ok" : $"{e.GetType().Name}: {e.Message}";
    }
}

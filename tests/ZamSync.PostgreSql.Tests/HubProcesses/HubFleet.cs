using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Npgsql;
using ZamSync.Testing;
using ZamSync.Net.Tcp;
using ZamSync.Net.Tests.Convergence;
using ZamSync.Net.Tls;
using ZamSync.Sync;
using ZamSync.Tests.Support;

namespace ZamSync.PostgreSql.Tests.HubProcesses;

/// <summary>
/// One randomised run, fully determined by its seed: three hub processes (separate OS processes) on one schema, and
/// clinics (engines in this process, each on its own log) that sync with them round-robin over real TCP and mutual TLS,
/// some sessions cut at a random byte by a <see cref="LinkSimulator"/> and some under a byte budget. In one round a
/// hub process is SIGKILLed from inside a session to it (the clinic's progress report, after it sent a batch, kills
/// the process before the session may go on) and started again under the same process name. Then plain sessions heal
/// the world and it is checked against <see cref="EventModel"/>: the database's rows and every clinic's log hold every
/// acknowledged event once, sequences run 1..n per origin, and every clinic's state is the model's plain fold.
/// Concurrency makes the interleavings vary between runs of one seed; the choices do not.
/// </summary>
internal sealed class HubFleet : IAsyncDisposable
{
    public const int ClinicCount = 64;
    public const int ProcessCount = 3;
    private const int Rounds = 4;
    private const int ConcurrentSessions = 16;
    private static readonly NodeId HubId = new(1000);
    private static readonly TimeSpan SessionSafetyNet = TimeSpan.FromSeconds(60);

    // Small batches, so a clinic's upload (5 or more events a round) is at least two batches, and a kill after the
    // first lands mid-session.
    private static readonly SyncOptions Sync = new()
    {
        MaxBatchEvents = 4,
        HandshakeTimeout = TimeSpan.FromSeconds(30),
        IdleTimeout = TimeSpan.FromSeconds(30),
    };

    private readonly Random _rng;
    private readonly Action<string> _log;
    private readonly TempDirectory _temp = new("pg-hubs");
    private readonly TestDatabase _db = TestDatabase.Create();
    private readonly EventModel _model = new();
    private readonly HubChildProcess?[] _hubs = new HubChildProcess?[ProcessCount];
    private readonly List<Clinic> _clinics = [];
    private readonly List<HubChildProcess> _retired = [];
    private X509Certificate2? _authority;
    private HubProcessSetup _setup = null!;
    private int _cuts, _budgets, _failedSessions, _sessions;

    public HubFleet(int seed, Action<string> log)
    {
        _rng = new Random(seed);
        _log = log;
    }

    public async Task RunAsync()
    {
        await SetUpAsync();
        int killRound = 1 + _rng.Next(Rounds - 1);
        _log($"kill in round {killRound}");
        for (int round = 0; round < Rounds; round++)
        {
            await SubmitAsync(round);
            await ChaosRoundAsync(round, kill: round == killRound);
        }
        await HealAsync();
        _log($"{_sessions} sessions ({_cuts} cut at a random byte, {_budgets} under a byte budget, {_failedSessions} failed), " +
            $"{_model.Count} events of {_model.Origins.Count()} origins; kill in round {killRound}");
        await CheckDatabaseAsync();
        CheckClinics();
        await CheckHubStatesAsync();
        foreach (var hub in _hubs) await hub!.QuitAsync();
    }

    private async Task SetUpAsync()
    {
        _authority = ZamPki.CreateAuthority("pg-hub-fleet");
        _setup = await HubProcessSetup.CreateAsync(_db, HubId, _authority, _temp.Path);

        // The first process creates the schema; the other two open it as it stands, at the same time.
        _hubs[0] = await StartHubAsync(0);
        var others = await Task.WhenAll(Enumerable.Range(1, ProcessCount - 1).Select(StartHubAsync));
        for (int i = 1; i < ProcessCount; i++) _hubs[i] = others[i - 1];

        for (int i = 0; i < ClinicCount; i++)
        {
            var id = new NodeId(1 + (ulong)i);
            var engine = await Nodes.OpenAsync(_temp.Sub($"clinic-{id.Value}"), id.Value);
            var tls = new TlsOptions { Certificate = ZamPki.IssueCertificate(_authority, id, NodeRole.Node), Authority = _authority };
            _clinics.Add(new Clinic(id, engine, tls));
        }
    }

    /// <summary>Process <c>p{index}</c>: its data directory is the same every time it starts, as <c>serve --process</c>'s is.</summary>
    private Task<HubChildProcess> StartHubAsync(int index) =>
        HubChildProcess.StartAsync(_setup, $"p{index}", _temp.Sub(Path.Combine("hub", "processes", $"p{index}")));

    /// <summary>Every clinic submits 5-12 events (20-50 over the run); one hub process submits a few of the hub's own.</summary>
    private async Task SubmitAsync(int round)
    {
        // The choices are drawn in order; the clinics then submit side by side (each its own in order).
        var types = _clinics.Select(_ => Enumerable.Range(0, 5 + _rng.Next(8)).Select(_ => 1 + (uint)_rng.Next(3)).ToList()).ToList();
        var acked = await Task.WhenAll(_clinics.Select(async (clinic, i) =>
        {
            var events = new List<EventEnvelope>();
            foreach (uint type in types[i]) events.Add(await clinic.Engine.SubmitAsync(type, clinic.NextPayload()));
            return events;
        }));
        foreach (var e in acked.SelectMany(a => a)) _model.Add(e);
        var hub = _hubs[_rng.Next(ProcessCount)]!;
        foreach (var e in await hub.SubmitAsync(HubId, _rng.Next(4))) _model.Add(e);
        _log($"round {round}: submitted, {_model.Count} events in the model");
    }

    /// <summary>
    /// Every clinic syncs once with hub process <c>(clinic + round) mod 3</c>, some sessions cut or budgeted,
    /// <see cref="ConcurrentSessions"/> at a time. In the kill round one plain session to the victim kills it after the
    /// session's first batch.
    /// </summary>
    private async Task ChaosRoundAsync(int round, bool kill)
    {
        var plans = new List<SessionPlan>();
        for (int i = 0; i < _clinics.Count; i++)
        {
            int hub = (i + round) % ProcessCount;
            long? cutUp = null, cutDown = null, budget = null;
            if (_rng.Next(3) == 0)
            {
                long at = 1 + _rng.Next(6_000);
                if (_rng.Next(2) == 0) cutUp = at; else cutDown = at;
            }
            if (_rng.Next(4) == 0) budget = 300 + _rng.Next(6_000);
            plans.Add(new SessionPlan(_clinics[i], hub, cutUp, cutDown, budget));
        }
        Shuffle(plans);

        KillSwitch? killSwitch = null;
        if (kill)
        {
            int victim = _rng.Next(ProcessCount);
            // The killing session is a plain one, so nothing but the kill can end it early. It runs somewhere in the
            // middle of the round, beside other sessions to the victim: those that started before the kill are cut
            // by it wherever they are, those after it find the process gone (it starts again once the round is over).
            int at = plans.Count / 4 + _rng.Next(plans.Count / 2);
            int index = plans.FindIndex(at, p => p.Hub == victim) is >= 0 and var found ? found : plans.FindIndex(p => p.Hub == victim);
            killSwitch = new KillSwitch(_hubs[victim]!) { OnUpload = _rng.Next(2) == 0 };
            plans[index] = plans[index] with { CutUp = null, CutDown = null, Budget = null, Kill = killSwitch };
        }

        var outcomes = await RunAllAsync(plans, chaos: true);
        if (killSwitch is not null)
        {
            var victim = killSwitch.Victim;
            var killing = outcomes.Single(o => o.Plan.Kill is not null);
            Assert.True(killSwitch.Fired, $"The session meant to kill hub process {victim.Name} never moved a batch: {Show(killing.Error)}");
            Assert.True(killing.Error is not null, $"The session during which hub process {victim.Name} was killed succeeded.");
            Assert.Equal(137, victim.ExitCode);
            _log($"round {round}: killed hub process {victim.Name} (pid {victim.Pid}) after the first batch {(killSwitch.OnUpload ? "up" : "either way")} " +
                $"({killSwitch.ReceivedWhenKilled} events came down, {killSwitch.SentWhenKilled} went up); " +
                $"that session failed with {killing.Error!.GetType().Name}");
            int index = Array.IndexOf(_hubs, victim);
            _retired.Add(victim);
            _hubs[index] = await StartHubAsync(index);
            _log($"round {round}: hub process {victim.Name} started again (pid {_hubs[index]!.Pid})");
        }
    }

    /// <summary>Plain sessions round-robin over the three processes until every clinic holds what the model holds.</summary>
    private async Task HealAsync()
    {
        for (int sweep = 0; sweep < 4 && !Converged(); sweep++)
        {
            var plans = _clinics.Select((c, i) => new SessionPlan(c, (i + sweep) % ProcessCount, null, null, null)).ToList();
            await RunAllAsync(plans, chaos: false);
        }
    }

    private bool Converged()
    {
        var heads = _model.Heads();
        return _clinics.All(c => heads.All(h => c.Engine.Known[h.Key] == h.Value));
    }

    private async Task<List<Outcome>> RunAllAsync(List<SessionPlan> plans, bool chaos)
    {
        using var gate = new SemaphoreSlim(ConcurrentSessions);
        var outcomes = await Task.WhenAll(plans.Select(async plan =>
        {
            await gate.WaitAsync();
            try
            {
                return await RunAsync(plan);
            }
            finally
            {
                gate.Release();
            }
        }));
        foreach (var o in outcomes)
        {
            _sessions++;
            if (o.Plan.CutUp is not null || o.Plan.CutDown is not null) _cuts++;
            if (o.Plan.Budget is not null) _budgets++;
            if (o.Error is not null) _failedSessions++;
            if (o.Error is null || o.Plan.CutUp is not null || o.Plan.CutDown is not null || o.Plan.Kill is not null) continue;
            // A cap too small for the handshakes and completions ends the session on the side that hits it: here,
            // or in the hub process, which then closes the connection.
            if (o.Plan.Budget is not null && o.Error is SyncBudgetException or SyncDisconnectedException) continue;
            // In the kill round the victim is gone from the kill until the round ends: its sessions may fail.
            if (chaos && plans.FirstOrDefault(p => p.Kill is not null) is { } killer && o.Plan.Hub == killer.Hub) continue;
            throw new ConvergenceViolation($"The uncut session of clinic {o.Plan.Clinic.Id} with hub process p{o.Plan.Hub} failed: {Show(o.Error)}");
        }
        return [.. outcomes];
    }

    private async Task<Outcome> RunAsync(SessionPlan plan)
    {
        var hub = _hubs[plan.Hub]!;
        LinkSimulator? proxy = plan.CutUp is not null || plan.CutDown is not null
            ? new LinkSimulator(IPEndPoint.Parse(hub.Address)) { CutUpstreamAfter = plan.CutUp, CutDownstreamAfter = plan.CutDown }
            : null;
        try
        {
            await using var link = await TcpTransport.ConnectAsync(HubId, proxy?.Address ?? hub.Address, new TcpTransportOptions { Tls = plan.Clinic.Tls });
            var session = plan.Clinic.Engine.CreateSession(link).WithOptions(Sync).WithProgress(plan.Kill);
            if (plan.Budget is { } budget) session.WithMaxBytes(budget);
            await session.SyncAsync(HubId).WaitAsync(SessionSafetyNet);
            return new Outcome(plan, null);
        }
        catch (TimeoutException ex)
        {
            throw new ConvergenceViolation($"The session of clinic {plan.Clinic.Id} with hub process p{plan.Hub} still ran after {SessionSafetyNet.TotalSeconds} s: {ex.Message}");
        }
        catch (Exception ex)
        {
            return new Outcome(plan, ex);
        }
        finally
        {
            if (proxy is not null) await proxy.DisposeAsync();
        }
    }

    /// <summary>The schema's rows, read directly: exactly the model's events, once each, none quarantined.</summary>
    private async Task CheckDatabaseAsync()
    {
        _model.CheckContiguous();
        var rows = new List<EventEnvelope>();
        await using (var source = NpgsqlDataSource.Create(_db.ConnectionString))
        await using (var command = source.CreateCommand(
            $"SELECT {_db.Options.Schema}.u64(origin), {_db.Options.Schema}.u64(seq), hlc_physical, hlc_logical, event_type, quarantined, payload " +
            $"FROM {_db.Options.Schema}.events ORDER BY origin, seq"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                if (reader.GetBoolean(5)) throw new ConvergenceViolation($"The database quarantined {reader.GetDecimal(0)}#{reader.GetDecimal(1)}.");
                rows.Add(new EventEnvelope(new NodeId((ulong)reader.GetDecimal(0)), (ulong)reader.GetDecimal(1),
                    new Hlc(reader.GetInt64(2), (uint)reader.GetInt64(3)), (uint)reader.GetInt64(4), (byte[])reader.GetValue(6)));
            }
        }
        foreach (var group in rows.GroupBy(r => (r.Origin, r.Sequence)).Where(g => g.Count() > 1))
            throw new ConvergenceViolation($"The database holds {group.Key.Origin}#{group.Key.Sequence} {group.Count()} times.");
        foreach (var row in rows)
            if (!_model.TryGet(row.Origin, row.Sequence, out var e) || !EventModel.Same(e, row))
                throw new ConvergenceViolation($"The database holds {EventModel.Describe(row)}, which no one acknowledged in that form.");
        if (rows.Count != _model.Count)
        {
            var held = rows.Select(r => (r.Origin, r.Sequence)).ToHashSet();
            var heads = _model.Heads();
            var missing = heads.SelectMany(h => Enumerable.Range(1, (int)h.Value).Select(s => (h.Key, (ulong)s))).First(k => !held.Contains(k));
            throw new ConvergenceViolation($"The database holds {rows.Count} events, the model {_model.Count}; it lacks {missing.Item1}#{missing.Item2}.");
        }
        // The per-origin vector moved with the rows: what it says is held is exactly what is there.
        await using var vector = NpgsqlDataSource.Create(_db.ConnectionString);
        await using var heldCommand = vector.CreateCommand($"SELECT {_db.Options.Schema}.u64(origin), {_db.Options.Schema}.u64(held) FROM {_db.Options.Schema}.origins");
        await using var heldRows = await heldCommand.ExecuteReaderAsync();
        var vectorHeads = new Dictionary<NodeId, ulong>();
        while (await heldRows.ReadAsync()) vectorHeads[new NodeId((ulong)heldRows.GetDecimal(0))] = (ulong)heldRows.GetDecimal(1);
        foreach (var (origin, head) in _model.Heads())
            if (vectorHeads.GetValueOrDefault(origin) != head)
                throw new ConvergenceViolation($"The database's origins row says {origin} is held to #{vectorHeads.GetValueOrDefault(origin)}, the rows run to #{head}.");
    }

    /// <summary>Every clinic's log holds every event once and in sequence, and its state is the model's plain fold.</summary>
    private void CheckClinics()
    {
        var heads = _model.Heads();
        var reference = _model.ReferenceFold();
        foreach (var clinic in _clinics)
        {
            var engine = clinic.Engine;
            foreach (var (origin, head) in heads)
            {
                if (engine.Known[origin] != head)
                    throw new ConvergenceViolation($"Clinic {clinic.Id} holds {origin} up to #{engine.Known[origin]}, the model up to #{head}.");
                var held = engine.ReadEvents(origin, 1).ToList();
                for (int i = 0; i < held.Count; i++)
                {
                    ulong expected = 1 + (ulong)i;
                    if (held[i].Sequence != expected || !_model.TryGet(origin, expected, out var e) || !EventModel.Same(e, held[i]))
                        throw new ConvergenceViolation($"Clinic {clinic.Id} holds {EventModel.Describe(held[i])} where the model has #{expected}.");
                }
                if ((ulong)held.Count != head)
                    throw new ConvergenceViolation($"Clinic {clinic.Id} holds {held.Count} events of {origin}, not {head}.");
            }
            if (engine.Quarantined.Count > 0)
                throw new ConvergenceViolation($"Clinic {clinic.Id} quarantined {engine.Quarantined[0].Origin}#{engine.Quarantined[0].Sequence}: {engine.Quarantined[0].Reason}");
            var state = engine.Read(s => s.Entries.ToList());
            if (!state.SequenceEqual(reference))
            {
                int at = 0;
                while (at < state.Count && at < reference.Count && state[at] == reference[at]) at++;
                throw new ConvergenceViolation(
                    $"Clinic {clinic.Id} folded {state.Count} events into a state that differs from the model's fold of {reference.Count} at entry {at}: " +
                    $"'{(at < state.Count ? state[at] : "(end)")}' where the model has '{(at < reference.Count ? reference[at] : "(end)")}'.");
            }
        }
    }

    /// <summary>
    /// Every hub process, the restarted one too, folded every event once and in order: after one more plain session
    /// with each (its handshake makes the process publish what the others committed), its state is the model's fold.
    /// </summary>
    private async Task CheckHubStatesAsync()
    {
        var reference = _model.ReferenceFold();
        string hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", reference))))[..16];
        for (int i = 0; i < ProcessCount; i++)
        {
            var probe = await RunAsync(new SessionPlan(_clinics[i], i, null, null, null));
            if (probe.Error is not null) throw new ConvergenceViolation($"The last session with hub process p{i} failed: {Show(probe.Error)}");
            var (count, folded) = await _hubs[i]!.StateAsync();
            if (count != reference.Count || folded != hash)
                throw new ConvergenceViolation($"Hub process p{i} folded {count} events into state {folded}; the model's fold of {reference.Count} is {hash}.");
        }
    }

    private void Shuffle<T>(List<T> items)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = _rng.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static string Show(Exception? e) => e is null ? "ok" : $"{e.GetType().Name}: {e.Message}";

    /// <summary>Stderr of every hub process, for a failure's message.</summary>
    public string HubErrors() =>
        string.Join("\n", _hubs.Concat(_retired).Where(h => h is not null && h.Stderr.Length > 0).Select(h => $"hub process {h!.Name} (pid {h.Pid}) stderr:\n{h.Stderr}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var hub in _hubs.Concat(_retired))
            if (hub is not null) await hub.DisposeAsync();
        foreach (var clinic in _clinics)
        {
            await clinic.Engine.DisposeAsync();
            clinic.Tls.Certificate.Dispose();
        }
        _authority?.Dispose();
        await _db.DisposeAsync();
        _temp.Dispose();
    }

    private sealed record Clinic(NodeId Id, ZamEngine<LedgerState> Engine, TlsOptions Tls)
    {
        private int _submitted;

        /// <summary>A payload no other submit shares, so a doubled or misplaced apply shows in the state.</summary>
        public byte[] NextPayload() => Encoding.UTF8.GetBytes($"c{Id.Value}-{++_submitted}");
    }

    private sealed record SessionPlan(Clinic Clinic, int Hub, long? CutUp, long? CutDown, long? Budget, KillSwitch? Kill = null);

    private sealed record Outcome(SessionPlan Plan, Exception? Error);

    /// <summary>
    /// Kills the hub process from inside the clinic's session, after a batch came down or went up: the report runs on
    /// the session's own path, so the session cannot go on until the process is dead, whatever the timing.
    /// </summary>
    private sealed class KillSwitch(HubChildProcess victim) : IProgress<SyncProgress>
    {
        public HubChildProcess Victim { get; } = victim;

        public bool Fired { get; private set; }

        public int SentWhenKilled { get; private set; }

        /// <summary>
        /// True: the kill follows the first batch the clinic sent, while the process is taking the upload in (a clinic
        /// uploads at least two batches, so the session is mid-stream). False: it follows the session's first batch
        /// either way, which is a download when the process has events to send, while it is reading them out.
        /// </summary>
        public required bool OnUpload { get; init; }

        public int ReceivedWhenKilled { get; private set; }

        public void Report(SyncProgress value)
        {
            if (Fired || value.Phase is not (SyncPhase.Receiving or SyncPhase.Sending)) return;
            if (OnUpload && value.Phase != SyncPhase.Sending) return;
            Fired = true;
            SentWhenKilled = value.EventsSent;
            ReceivedWhenKilled = value.EventsReceived;
            Victim.Kill();
        }
    }
}

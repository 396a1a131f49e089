using System.Globalization;

namespace ZamSync.Bench.Harness;

/// <summary>A closed log on disk, built once per run and shared (read-only) by several benchmarks.</summary>
internal sealed record LogFixture(string Directory, NodeId Node, long Events);

/// <summary>Builds large logs once per run; benchmarks only open them.</summary>
internal sealed class LogFixtures
{
    /// <summary>Concurrent submitters used to build a fixture quickly through the ordinary durable path.</summary>
    public const int BuildSubmitters = 256;

    private readonly BenchContext _context;
    private readonly Dictionary<long, Task<LogFixture>> _built = new();
    private readonly Lock _gate = new();

    public LogFixtures(BenchContext context) => _context = context;

    /// <summary>
    /// A closed single-origin log of <paramref name="events"/> 100-byte events whose clean close wrote a state
    /// snapshot (the state is a <see cref="CounterState"/>).
    /// </summary>
    public Task<LogFixture> GetAsync(long events)
    {
        lock (_gate)
        {
            if (!_built.TryGetValue(events, out var task)) _built[events] = task = BuildAsync(events);
            return task;
        }
    }

    private async Task<LogFixture> BuildAsync(long events)
    {
        string directory = Path.Combine(_context.WorkRoot, "fixture-" + events.ToString(CultureInfo.InvariantCulture));
        var node = new NodeId(0xF1);
        var engine = await ZamEngine<CounterState>.OpenAsync(directory, node, new CounterState()).ConfigureAwait(false);
        await using (engine.ConfigureAwait(false))
        {
            using var fsyncs = InstrumentCounter.Fsyncs(engine);
            var elapsed = await Load.SubmitCountAsync(engine, BuildSubmitters, events, Load.Payload()).ConfigureAwait(false);
            _context.Info(string.Create(CultureInfo.InvariantCulture,
                $"fixture: {events:N0} events via {BuildSubmitters} submitters in {elapsed.TotalSeconds:N2} s " +
                $"({events / elapsed.TotalSeconds:N0} events/s, {(double)events / Math.Max(1, fsyncs.Count):N1} events per fsync)"));
            long applied = engine.Read(s => s.Count);
            if (applied != events) throw new InvalidOperationException($"The fixture state counted {applied} events, expected {events}.");
        }
        if (!File.Exists(Path.Combine(directory, "state.snapshot")))
            throw new InvalidOperationException("A clean close did not write state.snapshot.");
        return new LogFixture(directory, node, events);
    }
}

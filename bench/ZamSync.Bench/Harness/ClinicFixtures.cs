using System.Collections.Concurrent;
using System.Globalization;

namespace ZamSync.Bench.Harness;

/// <summary>
/// Closed clinic logs built once per run and copied for every repetition: a hub benchmark's run changes what a
/// clinic holds (peer knowledge, and events from the hub), so each run starts from fresh copies of the same bytes.
/// </summary>
internal sealed class ClinicFixtures
{
    private const int BuildInParallel = 16;
    private const int SubmittersPerClinic = 32;

    private readonly BenchContext _context;
    private readonly ConcurrentDictionary<(ulong FirstNode, int Clinics, int Events), Lazy<Task<IReadOnlyList<LogFixture>>>> _built = new();

    public ClinicFixtures(BenchContext context) => _context = context;

    /// <summary>
    /// <paramref name="clinics"/> closed logs with node ids from <paramref name="firstNode"/> on, each holding
    /// <paramref name="events"/> distinct random 100-byte events of its own.
    /// </summary>
    public Task<IReadOnlyList<LogFixture>> GetAsync(ulong firstNode, int clinics, int events) =>
        _built.GetOrAdd((firstNode, clinics, events), key => new Lazy<Task<IReadOnlyList<LogFixture>>>(() => BuildAsync(key.FirstNode, key.Clinics, key.Events))).Value;

    private async Task<IReadOnlyList<LogFixture>> BuildAsync(ulong firstNode, int clinics, int events)
    {
        string root = Path.Combine(_context.WorkRoot, string.Create(CultureInfo.InvariantCulture, $"clinics-{firstNode:X}-{clinics}x{events}"));
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        var fixtures = new LogFixture[clinics];
        using var gate = new SemaphoreSlim(BuildInParallel);
        await Task.WhenAll(Enumerable.Range(0, clinics).Select(async i =>
        {
            await gate.WaitAsync().ConfigureAwait(false);
            try
            {
                var node = new NodeId(firstNode + (ulong)i);
                string directory = Path.Combine(root, "clinic-" + i.ToString(CultureInfo.InvariantCulture));
                var engine = await ZamEngine<CounterState>.OpenAsync(directory, node, new CounterState()).ConfigureAwait(false);
                await using (engine.ConfigureAwait(false))
                    await Load.SubmitDistinctAsync(engine, SubmittersPerClinic, events).ConfigureAwait(false);
                fixtures[i] = new LogFixture(directory, node, events);
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
        _context.Info(string.Create(CultureInfo.InvariantCulture,
            $"fixture: {clinics} clinics x {events:N0} events in {System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds:N1} s"));
        return fixtures;
    }

    /// <summary>Copies the fixtures into <paramref name="root"/> and opens an engine on each copy.</summary>
    public static async Task<ZamEngine<CounterState>[]> OpenCopiesAsync(IEnumerable<LogFixture> fixtures, string root) =>
        await Task.WhenAll(fixtures.Select(f =>
        {
            string copy = Path.Combine(root, Path.GetFileName(f.Directory) + "-" + f.Node.Value.ToString("X", CultureInfo.InvariantCulture));
            Directories.CopyClosedEngine(f.Directory, copy);
            return ZamEngine<CounterState>.OpenAsync(copy, f.Node, new CounterState());
        })).ConfigureAwait(false);
}

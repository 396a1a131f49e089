using System.Diagnostics.Metrics;

namespace ZamSync.Tests.Support;

/// <summary>
/// Records the <c>outcome</c> tag of every <c>zamsync.sessions</c> measurement from the engines opened with
/// <see cref="Factory"/>, and only those: tests running in parallel have meters of their own.
/// </summary>
public sealed class SessionOutcomes : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly List<string> _outcomes = new();
    private readonly HashSet<Meter> _meters = new();

    public SessionOutcomes()
    {
        Factory = new OwnMeters(this);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            bool ours;
            lock (_meters) ours = _meters.Contains(instrument.Meter);
            if (ours && instrument.Name == "zamsync.sessions") listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == "outcome") lock (_outcomes) _outcomes.Add((string)tag.Value!);
        });
        _listener.Start();
    }

    public IMeterFactory Factory { get; }

    public IReadOnlyList<string> Outcomes
    {
        get { lock (_outcomes) return _outcomes.ToList(); }
    }

    public void Dispose()
    {
        _listener.Dispose();
        lock (_meters) foreach (var meter in _meters) meter.Dispose();
    }

    private sealed class OwnMeters(SessionOutcomes owner) : IMeterFactory
    {
        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options.Name, options.Version);
            lock (owner._meters) owner._meters.Add(meter);
            return meter;
        }

        public void Dispose() { }
    }
}

using System.Diagnostics.Metrics;
using System.Reflection;
using ZamSync.Diagnostics;
using ZamSync.Sync;
using ZamSync.Tests.Support;

namespace ZamSync.Tests.Diagnostics;

/// <summary>
/// The histograms beside the counters (session duration, fsync latency, batch sizes) are recorded on the engine's
/// own instruments, and nothing outside ZamSync can record on them.
/// </summary>
public class MetricsTests
{
    /// <summary>Every measurement of the instruments of the engines given, by instrument name.</summary>
    private sealed class Recorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<(string Name, double Value, Dictionary<string, object?> Tags)> _seen = new();

        public Recorder(params ZamEngine[] engines)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (engines.Any(e => e.Metrics.Owns(instrument))) listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((i, v, t, _) => Add(i, v, t));
            _listener.SetMeasurementEventCallback<int>((i, v, t, _) => Add(i, v, t));
            _listener.SetMeasurementEventCallback<double>((i, v, t, _) => Add(i, v, t));
            _listener.Start();
        }

        private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var copy = new Dictionary<string, object?>();
            foreach (var (k, v) in tags) copy[k] = v;
            lock (_seen) _seen.Add((instrument.Name, value, copy));
        }

        public List<(double Value, Dictionary<string, object?> Tags)> Of(string name)
        {
            lock (_seen) return _seen.Where(s => s.Name == name).Select(s => (s.Value, s.Tags)).ToList();
        }

        public void Dispose() => _listener.Dispose();
    }

    [Fact]
    public async Task A_session_records_its_duration_and_each_batch_in_events_and_wire_bytes()
    {
        using var dir = new TempDirectory("metrics-session");
        await using var a = await Nodes.OpenAsync(dir.Sub("a"), 1);
        await using var b = await Nodes.OpenAsync(dir.Sub("b"), 2);
        await Sessions.SubmitConcurrentlyAsync(a, 10, "a");
        using var recorder = new Recorder(a, b);

        var (client, _) = (await Sessions.RunAsync(a, b, s => s.WithOptions(new SyncOptions { MaxBatchEvents = 4 }))).Require();

        var durations = recorder.Of(ZamMetrics.Instruments.SessionDuration);
        Assert.Equal(2, durations.Count);
        Assert.All(durations, d => Assert.Equal("completed", d.Tags["outcome"]));
        Assert.Equal(["initiator", "responder"], durations.Select(d => (string)d.Tags["role"]!).Order());
        Assert.All(durations, d => Assert.InRange(d.Value, 0, client.Duration.TotalSeconds + 1));

        var batches = recorder.Of(ZamMetrics.Instruments.BatchEvents);
        Assert.Equal([4, 4, 2], batches.Where(x => (string)x.Tags["direction"]! == "sent").Select(x => (int)x.Value));
        Assert.Equal([4, 4, 2], batches.Where(x => (string)x.Tags["direction"]! == "received").Select(x => (int)x.Value));
        var bytes = recorder.Of(ZamMetrics.Instruments.BatchBytes);
        var sentBytes = bytes.Where(x => (string)x.Tags["direction"]! == "sent").Select(x => x.Value).ToList();
        Assert.Equal(3, sentBytes.Count);
        Assert.True(sentBytes.Sum() < client.BytesSent, "batches are part of what the session sent");
        Assert.Equal(sentBytes, bytes.Where(x => (string)x.Tags["direction"]! == "received").Select(x => x.Value));
    }

    [Fact]
    public async Task Every_group_commit_records_how_long_its_fsync_took()
    {
        using var dir = new TempDirectory("metrics-fsync");
        await using var a = await Nodes.OpenAsync(dir.Sub("a"), 1);
        using var recorder = new Recorder(a);

        await Nodes.SubmitManyAsync(a, 3);

        var fsyncs = recorder.Of(ZamMetrics.Instruments.FsyncDuration);
        Assert.Equal(recorder.Of(ZamMetrics.Instruments.FsyncBatches).Count, fsyncs.Count);
        Assert.Equal(3, fsyncs.Count);
        Assert.All(fsyncs, f => Assert.InRange(f.Value, 0, 10));
    }

    [Fact]
    public void No_instrument_is_reachable_for_recording_from_outside_ZamSync()
    {
        var exposed = typeof(ZamMetrics).GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
            .Where(m => m is PropertyInfo p && typeof(Instrument).IsAssignableFrom(p.PropertyType)
                     || m is FieldInfo f && typeof(Instrument).IsAssignableFrom(f.FieldType)
                     || m is MethodInfo me && typeof(Instrument).IsAssignableFrom(me.ReturnType))
            .Select(m => m.Name);
        Assert.Empty(exposed);
    }

    [Fact]
    public async Task Owns_tells_one_engines_instruments_from_anothers_of_the_same_name()
    {
        using var dir = new TempDirectory("metrics-owns");
        await using var a = await Nodes.OpenAsync(dir.Sub("a"), 1);
        await using var b = await Nodes.OpenAsync(dir.Sub("b"), 2);
        var ofA = new List<Instrument>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (i, _) => { if (i.Meter.Name == ZamMetrics.MeterName && a.Metrics.Owns(i)) lock (ofA) ofA.Add(i); },
        };
        listener.Start();

        Assert.Contains(ofA, i => i.Name == ZamMetrics.Instruments.EventsSubmitted);
        Assert.Contains(ofA, i => i.Name == ZamMetrics.Instruments.FsyncDuration);
        Assert.DoesNotContain(ofA, b.Metrics.Owns);
    }
}

using System.Diagnostics.Metrics;
using ZamSync.Diagnostics;

namespace ZamSync.Bench.Harness;

/// <summary>
/// Sums one engine's counter on the meter <c>ZamSync</c> (for example <c>zamsync.wal.fsync_batches</c>) through a
/// <see cref="MeterListener"/>. Every engine publishes the same instrument names on its own meter, so only this
/// engine's instrument instances are enabled.
/// </summary>
internal sealed class InstrumentCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _count;

    public InstrumentCounter(params Counter<long>[] instruments)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ZamMetrics.MeterName && instruments.Any(i => ReferenceEquals(i, instrument)))
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, value));
        _listener.Start();
    }

    /// <summary>Group commits of <paramref name="engine"/>: one write and one fsync each.</summary>
    public static InstrumentCounter Fsyncs(ZamEngine engine) => new(engine.Metrics.FsyncBatches);

    /// <summary>Times the state of any of <paramref name="engines"/> was rebuilt from scratch.</summary>
    public static InstrumentCounter Refolds(params ZamEngine[] engines) => new(engines.Select(e => e.Metrics.Refolds).ToArray());

    public long Count => Interlocked.Read(ref _count);

    public void Dispose() => _listener.Dispose();
}

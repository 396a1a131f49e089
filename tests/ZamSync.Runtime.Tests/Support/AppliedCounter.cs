using System.Diagnostics.Metrics;
using ZamSync.Diagnostics;

namespace ZamSync.Tests.Support;

/// <summary>
/// Counts <c>zamsync.events.applied</c> and <c>zamsync.state.refolds</c> of one engine, as a benchmark or a dashboard
/// would. Measurements arrive synchronously with the apply, so after a read of the state the counts are exact.
/// </summary>
public sealed class AppliedCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _applied;
    private long _refolds;

    public AppliedCounter(ZamEngine engine)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (engine.Metrics.Owns(instrument) && instrument.Name is ZamMetrics.Instruments.EventsApplied or ZamMetrics.Instruments.Refolds)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == ZamMetrics.Instruments.EventsApplied) Interlocked.Add(ref _applied, value);
            else Interlocked.Add(ref _refolds, value);
        });
        _listener.Start();
    }

    public long Applied => Interlocked.Read(ref _applied);

    public long Refolds => Interlocked.Read(ref _refolds);

    public void Dispose() => _listener.Dispose();
}

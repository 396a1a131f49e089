using System.Diagnostics.Metrics;

namespace ZamSync.Net.Tests.Hub;

/// <summary>Completes once an engine has received at least N events, watching its metrics (no polling).</summary>
internal sealed class EventAppliedWaiter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _seen;

    public EventAppliedWaiter(ZamEngine engine, long atLeast)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (engine.Metrics.Owns(instrument) && instrument.Name == ZamSync.Diagnostics.ZamMetrics.Instruments.EventsReceived)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) =>
        {
            if (Interlocked.Add(ref _seen, value) >= atLeast) _reached.TrySetResult();
        });
        _listener.Start();
    }

    public Task Reached => _reached.Task;

    public void Dispose() => _listener.Dispose();
}

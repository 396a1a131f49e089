using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using ZamSync.Diagnostics;
using ZamSync.Tests.Support;

namespace ZamSync.OpenTelemetry.Tests;

/// <summary>
/// An application that adds <c>AddZamSyncInstrumentation()</c> to its OpenTelemetry providers exports a real
/// session's span and histograms (here to OpenTelemetry's in-memory exporter).
/// </summary>
public class ExportTests
{
    [Fact]
    public async Task A_session_between_two_engines_is_exported_as_spans_and_histograms()
    {
        using var dir = new TempDirectory("otel");
        var spans = new List<Activity>();
        var metrics = new List<MetricSnapshot>();
        using (var tracing = Sdk.CreateTracerProviderBuilder().AddZamSyncInstrumentation().AddInMemoryExporter(spans).Build())
        using (var meters = Sdk.CreateMeterProviderBuilder().AddZamSyncInstrumentation().AddInMemoryExporter(metrics).Build())
        {
            await using (var a = await Nodes.OpenAsync(dir.Sub("a"), 501))
            await using (var b = await Nodes.OpenAsync(dir.Sub("b"), 502))
            {
                await Sessions.SubmitConcurrentlyAsync(a, 6, "a");
                (await Sessions.RunAsync(a, b)).Require();
                // While the engines (and so their meters) are open; the provider exports again when it is disposed.
                Assert.True(meters!.ForceFlush());
            }
            tracing!.ForceFlush();
        }

        var sessions = spans.Where(s => s.OperationName == ZamTracing.SessionActivity && s.GetTagItem("node") is "501" or "502").ToList();
        Assert.Equal(2, sessions.Count);
        Assert.All(sessions, s => Assert.Equal("completed", s.GetTagItem("outcome")));
        var initiator = Assert.Single(sessions, s => s.Kind == ActivityKind.Client);
        Assert.Equal(6, initiator.GetTagItem("events.sent"));

        // The first export, from the flush above (the provider's final export comes after the engines closed).
        var duration = metrics.First(m => m.Name == ZamMetrics.Instruments.SessionDuration);
        Assert.Equal("s", duration.Unit);
        long count = 0;
        double sum = 0;
        foreach (var point in duration.MetricPoints)
        {
            count += point.GetHistogramCount();
            sum += point.GetHistogramSum();
        }
        Assert.True(count >= 2, $"{count} sessions recorded");
        Assert.True(sum > 0);

        var batches = metrics.First(m => m.Name == ZamMetrics.Instruments.BatchEvents);
        double events = 0;
        foreach (var point in batches.MetricPoints) events += point.GetHistogramSum();
        Assert.True(events >= 12, $"{events} events in batches (6 sent and 6 received)");
        Assert.Contains(metrics, m => m.Name == ZamMetrics.Instruments.FsyncDuration);
        Assert.Contains(metrics, m => m.Name == ZamMetrics.Instruments.Sessions);
    }
}

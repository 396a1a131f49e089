using ZamSync.Diagnostics;

namespace OpenTelemetry.Metrics
{
    /// <summary>Adds ZamSync's instruments to an OpenTelemetry meter provider.</summary>
    public static class ZamSyncMeterProviderBuilderExtensions
    {
        /// <summary>
        /// Collects the <c>ZamSync</c> meter: every engine's counters and histograms (docs/engine.md, "Metrics").
        /// </summary>
        public static MeterProviderBuilder AddZamSyncInstrumentation(this MeterProviderBuilder builder)
        {
            ArgumentNullException.ThrowIfNull(builder);
            return builder.AddMeter(ZamMetrics.MeterName);
        }
    }
}

namespace OpenTelemetry.Trace
{
    /// <summary>Adds ZamSync's spans to an OpenTelemetry tracer provider.</summary>
    public static class ZamSyncTracerProviderBuilderExtensions
    {
        /// <summary>
        /// Collects the <c>ZamSync</c> activity source: a span per sync session and per compaction (docs/engine.md, "Traces").
        /// </summary>
        public static TracerProviderBuilder AddZamSyncInstrumentation(this TracerProviderBuilder builder)
        {
            ArgumentNullException.ThrowIfNull(builder);
            return builder.AddSource(ZamTracing.SourceName);
        }
    }
}

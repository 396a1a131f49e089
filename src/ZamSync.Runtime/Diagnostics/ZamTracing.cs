namespace ZamSync.Diagnostics;

/// <summary>
/// The names of ZamSync's traces: the <see cref="System.Diagnostics.ActivitySource"/> <c>ZamSync</c>, its spans and
/// their tags (docs/engine.md, "Traces"). Each engine owns a source of that name, so listen by name
/// (<c>AddSource("ZamSync")</c> in OpenTelemetry).
/// </summary>
public static class ZamTracing
{
    public const string SourceName = "ZamSync";

    /// <summary>One sync session, as initiator (kind Client) or responder (kind Server).</summary>
    public const string SessionActivity = "zamsync.session";

    /// <summary>One compaction of the log.</summary>
    public const string CompactionActivity = "zamsync.compaction";

    /// <summary>The event a session span records once both handshakes are done.</summary>
    public const string HandshakeEvent = "handshake";
}

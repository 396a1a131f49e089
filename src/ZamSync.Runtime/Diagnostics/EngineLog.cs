using Microsoft.Extensions.Logging;

namespace ZamSync.Diagnostics;

/// <summary>Log lines of the engine's ingest and fold (category <c>ZamSync.Engine</c>, event ids 200–299; docs/engine.md).</summary>
internal static partial class EngineLog
{
    [LoggerMessage(200, LogLevel.Warning,
        "Quarantined {Origin}#{Sequence} (event type {EventType}) received from node {From}: {Reason}. It is stored and forwarded, never applied here")]
    public static partial void Quarantined(ILogger logger, NodeId origin, ulong sequence, uint eventType, NodeId from, string reason);

    [LoggerMessage(201, LogLevel.Information,
        "Re-folded the state over {Events} events in {Milliseconds} ms because {Late} arrived after {Applied}, which sorts after it")]
    public static partial void Refolded(ILogger logger, int events, long milliseconds, string late, string applied);

    [LoggerMessage(202, LogLevel.Warning,
        "{Count} events from node {From} are stamped further ahead of this node's clock than the {Bound} drift bound, the furthest {Origin}#{Sequence} by {Ahead}: they replicate and sort by their stamps but do not move this clock (is that node's clock wrong?)")]
    public static partial void ClockTooFarAhead(ILogger logger, int count, NodeId from, TimeSpan bound, NodeId origin, ulong sequence, TimeSpan ahead);

    [LoggerMessage(203, LogLevel.Error,
        "The fold loop could not bring the state up to date: {Error}. It retries with the next durable batch; reading the state retries at once and throws the same error if it persists")]
    public static partial void FoldFailed(ILogger logger, string error, Exception exception);

    [LoggerMessage(204, LogLevel.Warning,
        "Node {Node} holds its own events only up to #{Held} but {Why}: it refuses local submits until a sync brings its missing events back, so it never mints a sequence its peers already hold under another event")]
    public static partial void OwnEventsMissing(ILogger logger, NodeId node, ulong held, string why);

    [LoggerMessage(205, LogLevel.Warning,
        "Node {Node} holds its own events only up to #{Held} but peer {Peer} holds up to #{Elsewhere} (restored from an old backup, or its log was lost?): it refuses local submits until it has them back")]
    public static partial void OwnEventsHeldElsewhere(ILogger logger, NodeId node, ulong held, NodeId peer, ulong elsewhere);

    [LoggerMessage(206, LogLevel.Information,
        "Node {Node} has its own events back up to #{Held} (from a session with {Peer}) and submits again")]
    public static partial void OwnEventsRecovered(ILogger logger, NodeId node, ulong held, NodeId peer);
}

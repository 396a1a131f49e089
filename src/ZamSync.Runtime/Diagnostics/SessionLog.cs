using Microsoft.Extensions.Logging;

namespace ZamSync.Diagnostics;

/// <summary>Log lines of sync sessions (category <c>ZamSync.Sync</c>, event ids 400–499; docs/engine.md).</summary>
internal static partial class SessionLog
{
    [LoggerMessage(400, LogLevel.Information,
        "Session with {Peer} as {Role} completed in {Seconds} s: sent {EventsSent} events ({BytesSent} B), received {EventsReceived} ({BytesReceived} B), budget exhausted: {BudgetExhausted}")]
    public static partial void Completed(ILogger logger, string peer, string role, double seconds, int eventsSent, long bytesSent, int eventsReceived, long bytesReceived, bool budgetExhausted);

    [LoggerMessage(401, LogLevel.Warning,
        "Session with {Peer} as {Role} ended ({Outcome}) after {Seconds} s: sent {EventsSent} events ({BytesSent} B), received {EventsReceived} ({BytesReceived} B): {Error}")]
    public static partial void Failed(ILogger logger, string peer, string role, string outcome, double seconds, int eventsSent, long bytesSent, int eventsReceived, long bytesReceived, string error);
}

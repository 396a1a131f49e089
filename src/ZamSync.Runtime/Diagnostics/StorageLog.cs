using Microsoft.Extensions.Logging;

namespace ZamSync.Diagnostics;

/// <summary>Log lines of the write-ahead log (category <c>ZamSync.Storage</c>, event ids 100–199; docs/engine.md).</summary>
internal static partial class StorageLog
{
    [LoggerMessage(100, LogLevel.Warning,
        "Cut a torn tail off the log in '{Directory}' at offset {Offset}: {Bytes} bytes of a last write that never finished (a crash mid-write; it was never acknowledged)")]
    public static partial void TornTailCut(ILogger logger, string directory, long offset, long bytes);
}

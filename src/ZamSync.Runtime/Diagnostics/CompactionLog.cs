using Microsoft.Extensions.Logging;

namespace ZamSync.Diagnostics;

/// <summary>Log lines of compaction (category <c>ZamSync.Compaction</c>, event ids 300–399; docs/engine.md).</summary>
internal static partial class CompactionLog
{
    [LoggerMessage(300, LogLevel.Information,
        "Compacted the log: dropped {Events} events every peer holds ({BytesBefore} B to {BytesAfter} B), floors now {Floors}, horizon {Horizon}, stopped by: {StoppedBy}")]
    public static partial void Compacted(ILogger logger, int events, long bytesBefore, long bytesAfter, VersionVector floors, EventKey horizon, string stoppedBy);

    [LoggerMessage(301, LogLevel.Debug, "Compaction dropped nothing: {StoppedBy}")]
    public static partial void NothingCompacted(ILogger logger, string stoppedBy);
}

using Microsoft.Extensions.Logging;

namespace ZamSync.Diagnostics;

/// <summary>
/// The engine's loggers, one category per area, so an operator can turn one area up without the rest
/// (<c>ZamSync.Storage</c>, <c>ZamSync.Engine</c>, <c>ZamSync.Compaction</c>, <c>ZamSync.Sync</c>).
/// </summary>
internal sealed class ZamLoggers(ILoggerFactory factory)
{
    public const string StorageCategory = "ZamSync.Storage";
    public const string EngineCategory = "ZamSync.Engine";
    public const string CompactionCategory = "ZamSync.Compaction";
    public const string SyncCategory = "ZamSync.Sync";

    public ILoggerFactory Factory { get; } = factory;
    public ILogger Storage { get; } = factory.CreateLogger(StorageCategory);
    public ILogger Engine { get; } = factory.CreateLogger(EngineCategory);
    public ILogger Compaction { get; } = factory.CreateLogger(CompactionCategory);
    public ILogger Sync { get; } = factory.CreateLogger(SyncCategory);
}

namespace ZamSync.Wal;

/// <summary>
/// The embedded store: one append-only file, <c>events.wal</c>, in the engine's data directory, with group commit
/// (docs/wal-format.md). The default of <see cref="ZamEngineOptions.EventStore"/>.
/// </summary>
public sealed class WalStoreProvider : IEventStoreProvider
{
    /// <summary>A provider of logs opened with <paramref name="options"/> (encryption at rest, record limits).</summary>
    public WalStoreProvider(WalOptions? options = null) => Options = options ?? new WalOptions();

    /// <summary>How the log is opened.</summary>
    public WalOptions Options { get; }

    public ValueTask<IEventStore> OpenAsync(EventStoreContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        cancellationToken.ThrowIfCancellationRequested();
        // Opening scans the log synchronously; the engine already runs its open off the caller's thread.
        return ValueTask.FromResult<IEventStore>(WalEventStore.Open(context.DataDirectory, context.NodeId, Options, context.Metrics, context.OnCommitted));
    }
}

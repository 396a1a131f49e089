namespace ZamSync;

/// <summary>
/// The store as <see cref="ZamEngine.Events"/> hands it out: reads pass through, and there is no store behind it to
/// cast back to, so nothing outside the engine can append past its sequence counting and validation.
/// </summary>
internal sealed class ReadOnlyEventLog(IEventLog store) : IEventLog
{
    public NodeId NodeId => store.NodeId;

    public VersionVector Known => store.Known;

    public ulong HighestSequence(NodeId origin) => store.HighestSequence(origin);

    public IEnumerable<StoredEvent> Read(NodeId origin, ulong fromSequence) => store.Read(origin, fromSequence);

    public IEnumerable<StoredEvent> ReadInFoldOrder() => store.ReadInFoldOrder();
}

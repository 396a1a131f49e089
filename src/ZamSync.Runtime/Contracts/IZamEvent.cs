namespace ZamSync;

/// <summary>
/// An event type with a fixed wire id. Implemented by the contract generator for every
/// <see cref="ZamEventAttribute">[ZamEvent]</see> type; do not implement it by hand.
/// </summary>
public interface IZamEvent<TSelf> where TSelf : IZamEvent<TSelf>
{
    /// <summary>The id from <see cref="ZamEventAttribute"/>, written as <see cref="EventEnvelope.EventType"/>.</summary>
    static abstract uint EventTypeId { get; }
}

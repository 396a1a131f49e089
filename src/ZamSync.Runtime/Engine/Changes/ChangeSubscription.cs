using System.Threading.Channels;

namespace ZamSync;

/// <summary>
/// One reader's place in the change feed: a bounded buffer the committer fills, and whether the reader fell behind
/// (the committer stopped filling it; the reader must catch up from the log).
/// </summary>
/// <remarks>
/// Only two transitions touch <see cref="IsLagging"/>: the committer sets it when the buffer is full, the reader
/// clears it when it starts a catch-up. While it is set the committer leaves this reader alone, so the two never race
/// on the same transition.
/// </remarks>
internal sealed class ChangeSubscription
{
    private readonly Channel<ChangeFeedEvent> _buffer;
    // A new reader starts behind: its first step reads what the log already holds.
    private volatile bool _lagging = true;

    public ChangeSubscription(int capacity)
    {
        Capacity = capacity;
        _buffer = Channel.CreateBounded<ChangeFeedEvent>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails instead of dropping an event silently
            SingleReader = true,
            // The reader's continuation must never run on the committer's thread.
            AllowSynchronousContinuations = false,
        });
    }

    public int Capacity { get; }

    public bool IsLagging => _lagging;

    /// <summary>Events waiting for the reader.</summary>
    public int Buffered => _buffer.Reader.Count;

    /// <summary>Called by the committer; never blocks. False when the buffer is full: the reader is now lagging.</summary>
    public bool Offer(in ChangeFeedEvent change)
    {
        if (_buffer.Writer.TryWrite(change)) return true;
        _lagging = true;
        return false;
    }

    public bool TryRead(out ChangeFeedEvent change) => _buffer.Reader.TryRead(out change);

    /// <summary>
    /// If the reader is lagging, attaches it again (the committer feeds it from now on) and returns true: the caller
    /// must then read the log from its cursor, since events the committer skipped are only there.
    /// </summary>
    public bool TryReattach()
    {
        if (!_lagging) return false;
        _lagging = false;
        return true;
    }

    /// <summary>The reader found a hole in what it was fed: it must look in the log.</summary>
    public void FallBehind() => _lagging = true;

    /// <summary>Waits for buffered events; false once the feed is complete (the engine closed) and drained.</summary>
    public ValueTask<bool> WaitAsync(CancellationToken cancellationToken) => _buffer.Reader.WaitToReadAsync(cancellationToken);

    public void Complete() => _buffer.Writer.TryComplete();
}

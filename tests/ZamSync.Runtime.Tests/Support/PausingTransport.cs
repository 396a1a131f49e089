namespace ZamSync.Tests.Support;

/// <summary>
/// Passes every message through to <paramref name="inner"/>, but holds the receive numbered
/// <paramref name="pauseAtReceive"/> (1 = the first) until <see cref="Resume"/>: a test can stop a session at an exact
/// point, run something else, and let it go on. <see cref="Paused"/> completes once the session waits there.
/// </summary>
public sealed class PausingTransport(ISyncTransport inner, int pauseAtReceive) : ISyncTransport
{
    private readonly TaskCompletionSource _paused = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _resume = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _receives;

    /// <summary>Completes when the session has asked for the held receive.</summary>
    public Task Paused => _paused.Task;

    public void Resume() => _resume.TrySetResult();

    public int FrameOverhead => inner.FrameOverhead;

    public long BytesSent => inner.BytesSent;

    public long BytesReceived => inner.BytesReceived;

    public ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken) => inner.SendAsync(message, cancellationToken);

    public async ValueTask<ReadOnlyMemory<byte>?> ReceiveAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _receives) == pauseAtReceive)
        {
            _paused.TrySetResult();
            await _resume.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        return await inner.ReceiveAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}

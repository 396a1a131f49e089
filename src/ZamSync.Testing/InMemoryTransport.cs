using System.Threading.Channels;

namespace ZamSync.Testing;

/// <summary>
/// Two connected in-process transports, for tests and demos of two engines in one process. Messages
/// are copied on send (the sender may reuse its buffer) and counted byte for byte. Optionally the link
/// breaks once a side has sent a given number of bytes, the way a 2G connection drops mid-transfer.
/// </summary>
public sealed class InMemoryTransport : ISyncTransport
{
    private readonly Channel<byte[]> _inbox;
    private readonly Channel<byte[]> _outbox;
    private readonly long _breakAfterBytes;
    private InMemoryTransport? _partner;
    private long _sent, _received;
    private volatile bool _broken;

    private InMemoryTransport(Channel<byte[]> inbox, Channel<byte[]> outbox, long breakAfterBytes)
    {
        _inbox = inbox;
        _outbox = outbox;
        _breakAfterBytes = breakAfterBytes;
    }

    /// <summary>Creates a connected pair.</summary>
    /// <param name="capacity">Messages in flight per direction before a sender waits.</param>
    /// <param name="breakAfterBytes">
    /// When a side's sent bytes would pass this, the message is cut and both sides see the connection fail.
    /// </param>
    public static (InMemoryTransport A, InMemoryTransport B) CreatePair(int capacity = 16, long breakAfterBytes = long.MaxValue)
    {
        var options = new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true };
        var aToB = Channel.CreateBounded<byte[]>(options);
        var bToA = Channel.CreateBounded<byte[]>(options);
        var a = new InMemoryTransport(bToA, aToB, breakAfterBytes);
        var b = new InMemoryTransport(aToB, bToA, breakAfterBytes);
        a._partner = b;
        b._partner = a;
        return (a, b);
    }

    public int FrameOverhead => 0;

    public long BytesSent => Interlocked.Read(ref _sent);

    public long BytesReceived => Interlocked.Read(ref _received);

    public async ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        if (_broken) throw new IOException("The in-memory link is broken.");
        if (BytesSent + message.Length > _breakAfterBytes)
        {
            Break();
            throw new IOException($"The in-memory link broke after {BytesSent} bytes.");
        }
        try
        {
            await _outbox.Writer.WriteAsync(message.ToArray(), cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException ex)
        {
            throw new IOException("The peer closed the in-memory link.", ex);
        }
        Interlocked.Add(ref _sent, message.Length);
    }

    public async ValueTask<ReadOnlyMemory<byte>?> ReceiveAsync(CancellationToken cancellationToken)
    {
        if (_broken) throw new IOException("The in-memory link is broken.");
        try
        {
            if (!await _inbox.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false)) return null;
        }
        catch (ChannelClosedException ex)
        {
            throw new IOException("The in-memory link broke.", ex);
        }
        if (!_inbox.Reader.TryRead(out var message)) return null;
        Interlocked.Add(ref _received, message.Length);
        return message;
    }

    /// <summary>Fails both sides at once, as a cut cable would.</summary>
    public void Break()
    {
        _broken = true;
        if (_partner is not null) _partner._broken = true;
        var error = new IOException("The in-memory link broke.");
        _outbox.Writer.TryComplete(error);
        _inbox.Writer.TryComplete(error);
    }

    /// <summary>Closes our sending side: the peer receives null after the messages in flight.</summary>
    public ValueTask DisposeAsync()
    {
        _outbox.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }
}

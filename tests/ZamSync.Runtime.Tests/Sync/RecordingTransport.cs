using ZamSync.Sync;

namespace ZamSync.Tests.Sync;

// Here, not in Support/: the wire messages it decodes are internal to the runtime, which shows them to this test
// project only, while Support/ is compiled into every test project.

/// <summary>Passes every message through to <paramref name="inner"/> and keeps a decoded copy of what this side sent.</summary>
internal sealed class RecordingTransport(ISyncTransport inner) : ISyncTransport
{
    private readonly List<SyncMessage> _sent = [];

    /// <summary>The messages this side sent, decoded, in order.</summary>
    public IReadOnlyList<SyncMessage> Sent
    {
        get { lock (_sent) return [.. _sent]; }
    }

    public int FrameOverhead => inner.FrameOverhead;

    public long BytesSent => inner.BytesSent;

    public long BytesReceived => inner.BytesReceived;

    public ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        var decoded = SyncMessageCodec.Read(message.ToArray());
        lock (_sent) _sent.Add(decoded);
        return inner.SendAsync(message, cancellationToken);
    }

    public ValueTask<ReadOnlyMemory<byte>?> ReceiveAsync(CancellationToken cancellationToken) => inner.ReceiveAsync(cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}

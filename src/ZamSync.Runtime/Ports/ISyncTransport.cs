namespace ZamSync;

/// <summary>
/// Carries whole sync messages between two nodes: a TCP or TLS connection, or an in-memory pair in tests.
/// One sender and one receiver at a time.
/// </summary>
public interface ISyncTransport : IAsyncDisposable
{
    /// <summary>
    /// The most bytes the transport adds to one message on the wire (framing). The session adds it to each
    /// message it plans to send, so its byte budget is a hard cap on wire bytes.
    /// </summary>
    int FrameOverhead { get; }

    /// <summary>Wire bytes sent so far (after framing and compression).</summary>
    long BytesSent { get; }

    /// <summary>Wire bytes received so far.</summary>
    long BytesReceived { get; }

    /// <summary>Sends one message. The transport does not keep <paramref name="message"/> after the call.</summary>
    ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken);

    /// <summary>
    /// Receives the next whole message, or null when the peer closed the connection in an orderly way.
    /// The memory stays valid until the next call to <see cref="ReceiveAsync"/> or disposal.
    /// </summary>
    ValueTask<ReadOnlyMemory<byte>?> ReceiveAsync(CancellationToken cancellationToken);
}

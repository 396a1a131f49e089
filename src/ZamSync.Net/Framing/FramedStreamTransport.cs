using System.Buffers;
using System.IO.Pipelines;

namespace ZamSync.Net.Framing;

/// <summary>
/// An <see cref="ISyncTransport"/> over any byte stream (a TCP <c>NetworkStream</c> or an <c>SslStream</c>):
/// frames out, frames in through a <see cref="PipeReader"/>, so partial frames survive slow reads without
/// copying and memory stays bounded by <see cref="FrameOptions.MaxFrameBytes"/>.
/// </summary>
public class FramedStreamTransport : ISyncTransport
{
    private readonly Stream _stream;
    private readonly PipeReader _reader;
    private readonly FrameEncoder _encoder;
    private readonly FrameDecoder _decoder;
    private ReadOnlyMemory<byte>? _pending;
    private long _pendingBytes;
    private long _sent, _received;
    private int _disposed;

    public FramedStreamTransport(Stream stream, FrameOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= new FrameOptions();
        _stream = stream;
        _encoder = new FrameEncoder(options);
        _decoder = new FrameDecoder(options);
        _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 4096, leaveOpen: true));
    }

    public int FrameOverhead => FrameFormat.HeaderSize;

    public long BytesSent => Interlocked.Read(ref _sent);

    public long BytesReceived => Interlocked.Read(ref _received);

    public async ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        var frame = _encoder.Encode(message.Span);
        await _stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref _sent, frame.Length);
    }

    public async ValueTask<ReadOnlyMemory<byte>?> ReceiveAsync(CancellationToken cancellationToken)
    {
        if (_pending is { } first)
        {
            _pending = null;
            Interlocked.Add(ref _received, _pendingBytes);
            return first;
        }
        while (true)
        {
            var result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            long before = buffer.Length;
            bool decoded;
            ReadOnlyMemory<byte> message;
            try
            {
                decoded = _decoder.TryDecode(ref buffer, out message);
            }
            catch
            {
                _reader.AdvanceTo(buffer.Start, buffer.End);
                throw;
            }
            if (decoded)
            {
                Interlocked.Add(ref _received, before - buffer.Length);
                _reader.AdvanceTo(buffer.Start);
                return message;
            }
            if (result.IsCompleted)
            {
                long partial = buffer.Length;
                _reader.AdvanceTo(buffer.End);
                if (partial > 0) throw new SyncDisconnectedException($"The connection closed in the middle of a frame ({partial} bytes of it arrived).");
                return null;
            }
            if (result.IsCanceled) throw new OperationCanceledException(cancellationToken);
            _reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>
    /// Reads the first message now and hands it out again on the first <see cref="ReceiveAsync"/>. Its bytes count as
    /// received when it is handed out, so a session that starts after the peek counts the handshake it reads, as the
    /// sending side does.
    /// </summary>
    internal async ValueTask<ReadOnlyMemory<byte>?> PeekFirstAsync(CancellationToken cancellationToken)
    {
        long before = BytesReceived;
        var first = await ReceiveAsync(cancellationToken).ConfigureAwait(false);
        _pendingBytes = BytesReceived - before;
        Interlocked.Add(ref _received, -_pendingBytes);
        _pending = first;
        return first;
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _reader.CompleteAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
        _encoder.Dispose();
        _decoder.Dispose();
        GC.SuppressFinalize(this);
    }
}

using System.Buffers;
using System.Buffers.Binary;
using ZstdSharp;

namespace ZamSync.Net.Framing;

/// <summary>
/// Turns messages into frames, compressing when the body is large enough and zstd makes it smaller.
/// One per connection (it keeps a compressor and a scratch buffer); not thread-safe.
/// </summary>
internal sealed class FrameEncoder : IDisposable
{
    private readonly FrameOptions _options;
    private readonly Compressor? _compressor;
    private byte[] _scratch = Array.Empty<byte>();

    public FrameEncoder(FrameOptions options)
    {
        options.Validate();
        _options = options;
        if (options.CompressionThreshold > 0) _compressor = new Compressor(options.CompressionLevel);
    }

    /// <summary>
    /// Encodes <paramref name="message"/> as one frame and returns it. The memory is valid until the next call.
    /// </summary>
    public ReadOnlyMemory<byte> Encode(ReadOnlySpan<byte> message)
    {
        if (message.Length > _options.MaxMessageBytes || message.Length + FrameFormat.HeaderSize > _options.MaxFrameBytes)
            throw new ArgumentException($"A message of {message.Length} bytes exceeds the frame limit ({_options.MaxFrameBytes} bytes).", nameof(message));

        if (_compressor is not null && message.Length >= _options.CompressionThreshold)
        {
            int bound = Compressor.GetCompressBound(message.Length);
            Ensure(FrameFormat.HeaderSize + FrameFormat.CompressedPrefixSize + bound);
            int compressed = _compressor.Wrap(message, _scratch.AsSpan(FrameFormat.HeaderSize + FrameFormat.CompressedPrefixSize));
            int body = FrameFormat.CompressedPrefixSize + compressed;
            if (body < message.Length)
            {
                WriteHeader(body, FrameFormat.Zstd);
                BinaryPrimitives.WriteUInt32BigEndian(_scratch.AsSpan(FrameFormat.HeaderSize), (uint)message.Length);
                return _scratch.AsMemory(0, FrameFormat.HeaderSize + body);
            }
        }
        Ensure(FrameFormat.HeaderSize + message.Length);
        WriteHeader(message.Length, FrameFormat.Raw);
        message.CopyTo(_scratch.AsSpan(FrameFormat.HeaderSize));
        return _scratch.AsMemory(0, FrameFormat.HeaderSize + message.Length);
    }

    private void WriteHeader(int bodyLength, byte flag)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_scratch, (uint)(bodyLength + 1));
        _scratch[FrameFormat.LengthSize] = flag;
    }

    private void Ensure(int size)
    {
        if (_scratch.Length >= size) return;
        if (_scratch.Length > 0) ArrayPool<byte>.Shared.Return(_scratch);
        _scratch = ArrayPool<byte>.Shared.Rent(size);
    }

    public void Dispose()
    {
        _compressor?.Dispose();
        if (_scratch.Length > 0) ArrayPool<byte>.Shared.Return(_scratch);
        _scratch = Array.Empty<byte>();
    }
}

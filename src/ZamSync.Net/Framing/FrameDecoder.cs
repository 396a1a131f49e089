using System.Buffers;
using System.Buffers.Binary;
using ZstdSharp;

namespace ZamSync.Net.Framing;

/// <summary>
/// Cuts frames out of a byte stream that arrives in arbitrary pieces (two of four length bytes, a body missing
/// its end, two frames in one read). Every limit is checked as soon as the bytes that decide it arrive, before
/// anything is allocated for the frame. One per connection; not thread-safe.
/// </summary>
internal sealed class FrameDecoder : IDisposable
{
    private readonly FrameOptions _options;
    private Decompressor? _decompressor;
    private byte[] _message = Array.Empty<byte>();

    public FrameDecoder(FrameOptions options)
    {
        options.Validate();
        _options = options;
    }

    /// <summary>
    /// Tries to take one frame from the front of <paramref name="buffer"/>. On success returns the message
    /// (valid until the next call) and advances <paramref name="buffer"/> past the frame. Returns false when more
    /// bytes are needed. Throws <see cref="SyncProtocolException"/> on a frame that breaks the format or a limit.
    /// </summary>
    public bool TryDecode(ref ReadOnlySequence<byte> buffer, out ReadOnlyMemory<byte> message)
    {
        message = default;
        if (buffer.Length < FrameFormat.LengthSize) return false;
        Span<byte> head = stackalloc byte[FrameFormat.HeaderSize];
        int headBytes = (int)Math.Min(buffer.Length, FrameFormat.HeaderSize);
        buffer.Slice(0, headBytes).CopyTo(head);
        uint length = BinaryPrimitives.ReadUInt32BigEndian(head);
        if (length == 0) throw Violation("a frame with no flag byte");
        if (length > (uint)_options.MaxFrameBytes)
            throw Violation($"a frame of {length} bytes, more than the {_options.MaxFrameBytes}-byte limit");
        if (headBytes == FrameFormat.HeaderSize && head[4] is not (FrameFormat.Raw or FrameFormat.Zstd))
            throw Violation($"a frame with unknown flag {head[4]}");
        if (buffer.Length < FrameFormat.LengthSize + length) return false;

        byte flag = head[4];
        var body = buffer.Slice(FrameFormat.HeaderSize, length - 1);
        message = flag == FrameFormat.Raw ? Copy(body) : Decompress(body);
        buffer = buffer.Slice(FrameFormat.LengthSize + length);
        return true;
    }

    private ReadOnlyMemory<byte> Copy(ReadOnlySequence<byte> body)
    {
        if (body.Length > _options.MaxMessageBytes)
            throw Violation($"a message of {body.Length} bytes, more than the {_options.MaxMessageBytes}-byte limit");
        Ensure((int)body.Length);
        body.CopyTo(_message);
        return _message.AsMemory(0, (int)body.Length);
    }

    private ReadOnlyMemory<byte> Decompress(ReadOnlySequence<byte> body)
    {
        if (body.Length < FrameFormat.CompressedPrefixSize) throw Violation("a compressed frame without its original length");
        Span<byte> prefix = stackalloc byte[FrameFormat.CompressedPrefixSize];
        body.Slice(0, FrameFormat.CompressedPrefixSize).CopyTo(prefix);
        uint original = BinaryPrimitives.ReadUInt32BigEndian(prefix);
        if (original > (uint)_options.MaxMessageBytes)
            throw Violation($"a compressed frame that expands to {original} bytes, more than the {_options.MaxMessageBytes}-byte limit");
        var compressed = body.Slice(FrameFormat.CompressedPrefixSize);
        var source = compressed.IsSingleSegment ? compressed.First.Span : compressed.ToArray();
        Ensure((int)original);
        _decompressor ??= new Decompressor();
        // The destination is exactly the announced size: zstd cannot write past it, so a lying length or a
        // bomb fails here instead of allocating.
        bool ok;
        int written;
        try
        {
            ok = _decompressor.TryUnwrap(source, _message.AsSpan(0, (int)original), out written);
        }
        catch (ZstdException ex)
        {
            throw Violation($"a compressed frame that zstd cannot decode ({ex.Message})");
        }
        if (!ok || written != original)
            throw Violation($"a compressed frame that does not expand to its announced {original} bytes");
        return _message.AsMemory(0, (int)original);
    }

    private void Ensure(int size)
    {
        if (_message.Length >= size) return;
        if (_message.Length > 0) ArrayPool<byte>.Shared.Return(_message);
        _message = ArrayPool<byte>.Shared.Rent(Math.Max(size, 4096));
    }

    private static SyncProtocolException Violation(string what) => new($"The peer sent {what}; the connection is closed.");

    public void Dispose()
    {
        _decompressor?.Dispose();
        if (_message.Length > 0) ArrayPool<byte>.Shared.Return(_message);
        _message = Array.Empty<byte>();
    }
}

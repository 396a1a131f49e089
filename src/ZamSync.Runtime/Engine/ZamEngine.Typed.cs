using System.Buffers;
using MemoryPack;

namespace ZamSync;

public abstract partial class ZamEngine
{
    /// <summary>
    /// Serializes <paramref name="e"/> with its generated MemoryPack formatter and stores it as a local event
    /// of type <c>TEvent.EventTypeId</c>. Returns once it is durable and applied, like
    /// <see cref="SubmitAsync(uint, ReadOnlyMemory{byte}, CancellationToken)"/>.
    /// </summary>
    /// <remarks>
    /// The event is serialized into a pooled buffer; the returned envelope's payload is an exact-size copy that
    /// the caller owns, so the pooled buffer goes back to the pool before this method returns.
    /// </remarks>
    public async ValueTask<EventEnvelope> SubmitAsync<TEvent>(TEvent e, CancellationToken cancellationToken = default)
        where TEvent : IZamEvent<TEvent>
    {
        ArgumentNullException.ThrowIfNull(e);
        byte[] payload;
        var buffer = new PooledBufferWriter();
        try
        {
            MemoryPackSerializer.Serialize(buffer, e);
            payload = buffer.WrittenSpan.ToArray();
        }
        finally
        {
            buffer.Dispose();
        }
        return await SubmitAsync(TEvent.EventTypeId, payload, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>An <see cref="IBufferWriter{T}"/> over arrays rented from <see cref="ArrayPool{T}.Shared"/>.</summary>
    private sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
    {
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(256);
        private int _written;

        public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

        public void Advance(int count)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(count);
            if (_written + count > _buffer.Length) throw new InvalidOperationException("Advanced past the end of the buffer.");
            _written += count;
        }

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _buffer.AsMemory(_written);
        }

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _buffer.AsSpan(_written);
        }

        private void Ensure(int sizeHint)
        {
            int need = Math.Max(sizeHint, 1);
            if (_buffer.Length - _written >= need) return;
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_written + need, _buffer.Length * 2));
            _buffer.AsSpan(0, _written).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }

        public void Dispose()
        {
            if (_buffer.Length == 0) return;
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }
}

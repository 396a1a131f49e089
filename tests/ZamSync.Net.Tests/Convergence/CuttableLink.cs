using System.Buffers;
using System.IO.Pipelines;

namespace ZamSync.Net.Tests.Convergence;

/// <summary>
/// A connected pair of in-process byte streams that can be cut after a given number of bytes in one direction,
/// the way a 2G link drops: the byte at the cut and everything after it never arrive, the peer then reads the end
/// of the stream (mid-frame when the cut falls inside one), and every later write on either end fails. Carries the real framing and
/// compression of <see cref="Framing.FramedStreamTransport"/> without the cost of a socket per session.
/// </summary>
internal sealed class CuttableLink
{
    private readonly Pipe _aToB = new(new PipeOptions(useSynchronizationContext: false));
    private readonly Pipe _bToA = new(new PipeOptions(useSynchronizationContext: false));
    private readonly Lock _gate = new();
    private long _leftAToB, _leftBToA;
    private long _passedAToB, _passedBToA;
    private bool _cut;

    /// <param name="cutAToB">Bytes A may write before the link is cut, or null for no cut in that direction.</param>
    /// <param name="cutBToA">Bytes B may write before the link is cut, or null.</param>
    public CuttableLink(long? cutAToB, long? cutBToA)
    {
        _leftAToB = cutAToB ?? long.MaxValue;
        _leftBToA = cutBToA ?? long.MaxValue;
        A = new End(this, _bToA.Reader, _aToB.Writer, fromA: true);
        B = new End(this, _aToB.Reader, _bToA.Writer, fromA: false);
    }

    public Stream A { get; }

    public Stream B { get; }

    /// <summary>True once a cut has happened.</summary>
    public bool WasCut { get { lock (_gate) return _cut; } }

    /// <summary>Bytes A put on the wire (what the link carried, whether or not B read them).</summary>
    public long PassedAToB { get { lock (_gate) return _passedAToB; } }

    /// <summary>Bytes B put on the wire.</summary>
    public long PassedBToA { get { lock (_gate) return _passedBToA; } }

    /// <summary>How many of <paramref name="count"/> bytes may pass; cuts the link when not all may.</summary>
    private int Admit(bool fromA, int count)
    {
        lock (_gate)
        {
            if (_cut) return -1;
            ref long left = ref fromA ? ref _leftAToB : ref _leftBToA;
            ref long passed = ref fromA ? ref _passedAToB : ref _passedBToA;
            if (count <= left)
            {
                left -= count;
                passed += count;
                return count;
            }
            int passing = (int)left;
            left = 0;
            passed += passing;
            _cut = true;
            return passing;
        }
    }

    private sealed class End(CuttableLink link, PipeReader input, PipeWriter output, bool fromA) : Stream
    {
        private int _disposed;

        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int passing = link.Admit(fromA, buffer.Length);
            if (passing < 0) throw new IOException("The link was cut.");
            if (passing > 0) await output.WriteAsync(buffer[..passing], cancellationToken).ConfigureAwait(false);
            if (passing < buffer.Length)
            {
                // Only this end's writer is ours to complete (pipe writers are single-threaded): the peer reads the
                // end of the stream, fails, and closes its end, which ends our reads too.
                output.Complete();
                throw new IOException($"The link was cut after {passing} bytes of a {buffer.Length}-byte write.");
            }
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (true)
            {
                var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
                var data = result.Buffer;
                if (!data.IsEmpty)
                {
                    int n = (int)Math.Min(data.Length, buffer.Length);
                    var slice = data.Slice(0, n);
                    slice.CopyTo(buffer.Span);
                    input.AdvanceTo(slice.End);
                    return n;
                }
                input.AdvanceTo(data.End);
                if (result.IsCompleted || result.IsCanceled) return 0;
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();
        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            // Closing one end closes the connection: the peer reads the end of the stream.
            if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                output.Complete();
                input.Complete();
            }
            base.Dispose(disposing);
        }

        public override ValueTask DisposeAsync()
        {
            Dispose(true);
            return ValueTask.CompletedTask;
        }
    }
}

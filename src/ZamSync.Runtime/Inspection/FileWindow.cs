using Microsoft.Win32.SafeHandles;

namespace ZamSync.Inspection;

/// <summary>
/// Buffered positional reads of a file opened read-only: a forward scan costs one read per megabyte, not one per
/// record. Never writes.
/// </summary>
internal sealed class FileWindow(SafeFileHandle file, long length, string path)
{
    private byte[] _buffer = new byte[1 << 20];
    private long _start;
    private int _count;

    public long Length => length;

    /// <summary>Bytes [offset, offset+count) of the file; the caller keeps them within <see cref="Length"/>.</summary>
    public ReadOnlySpan<byte> Read(long offset, int count)
    {
        if (offset < _start || offset + count > _start + _count)
        {
            if (count > _buffer.Length) _buffer = new byte[Math.Max(count, _buffer.Length * 2)];
            int wanted = (int)Math.Min(_buffer.Length, length - offset);
            int read = 0;
            while (read < wanted)
            {
                int n = RandomAccess.Read(file, _buffer.AsSpan(read, wanted - read), offset + read);
                if (n == 0) break;
                read += n;
            }
            _start = offset;
            _count = read;
            if (read < count) throw new IOException($"'{path}' shrank while it was being read (is a node writing to it?).");
        }
        return new ReadOnlySpan<byte>(_buffer, (int)(offset - _start), count);
    }
}

using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace ZamSync.Backup;

/// <summary>
/// One file going into a backup: its bytes fixed when the copy was fixed (read into memory, or a prefix of an open
/// handle), or read from disk when written (files nothing changes while the copy is taken).
/// </summary>
internal sealed class BackupItem : IDisposable
{
    private readonly byte[]? _bytes;
    private readonly SafeFileHandle? _file;
    private readonly long _length;

    private BackupItem(string path, UnixFileMode mode, byte[]? bytes, SafeFileHandle? file, long length)
    {
        Path = path;
        Mode = mode;
        _bytes = bytes;
        _file = file;
        _length = length;
    }

    /// <summary>Relative to the data directory, '/'-separated.</summary>
    public string Path { get; }

    public UnixFileMode Mode { get; }

    public long Length => _length;

    public static BackupItem FromBytes(string path, UnixFileMode mode, byte[] bytes) => new(path, mode, bytes, null, bytes.Length);

    /// <summary>The first <paramref name="length"/> bytes of <paramref name="file"/>, which the item then owns.</summary>
    public static BackupItem FromPrefix(string path, UnixFileMode mode, SafeFileHandle file, long length) => new(path, mode, null, file, length);

    /// <summary>A whole file as it is on disk now (opened here, so its length is fixed from now on).</summary>
    public static BackupItem FromDisk(string path, string fullPath)
    {
        var file = File.OpenHandle(fullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return new(path, ModeOf(fullPath), null, file, RandomAccess.GetLength(file));
    }

    public static UnixFileMode ModeOf(string fullPath) =>
        OperatingSystem.IsWindows() ? UnixFileMode.UserRead | UnixFileMode.UserWrite : File.GetUnixFileMode(fullPath);

    /// <summary>A stream of the item's bytes that hashes what it reads (tar reads it once, from the start).</summary>
    public HashingStream OpenRead() => new(this);

    private int ReadAt(Span<byte> destination, long offset)
    {
        int count = (int)Math.Min(destination.Length, _length - offset);
        if (count <= 0) return 0;
        if (_bytes is not null)
        {
            _bytes.AsSpan((int)offset, count).CopyTo(destination);
            return count;
        }
        int n = RandomAccess.Read(_file!, destination[..count], offset);
        if (n == 0) throw new IOException($"'{Path}' ended at byte {offset} while it was being backed up, though it held {_length} bytes when the copy was fixed.");
        return n;
    }

    public void Dispose() => _file?.Dispose();

    /// <summary>Reads the item front to back, hashing as it goes; seekable only for tar's size check.</summary>
    internal sealed class HashingStream(BackupItem item) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long _position;
        private long _hashed;

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => item._length;

        public override long Position
        {
            get => _position;
            set => _position = value is >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
        }

        /// <summary>The SHA-256 of every byte, in lower-case hex; rereads what was not read in order.</summary>
        public string Sha256()
        {
            var buffer = new byte[64 * 1024];
            while (_hashed < item._length)
            {
                int n = item.ReadAt(buffer, _hashed);
                _hash.AppendData(buffer, 0, n);
                _hashed += n;
            }
            return Convert.ToHexStringLower(_hash.GetHashAndReset());
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = item.ReadAt(buffer, _position);
            if (_position == _hashed)
            {
                _hash.AppendData(buffer[..n]);
                _hashed += n;
            }
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return ValueTask.FromResult(Read(buffer.Span));
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => item._length + offset,
        };

        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) _hash.Dispose();
            base.Dispose(disposing);
        }
    }
}

using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace ZamSync.Wal;

/// <summary>
/// Per-record AEAD. Body layout: 12-byte random nonce, ciphertext, 16-byte tag. The associated data is the
/// record's identity (kind, flags, origin, sequence, HLC, event type), so a record cannot be moved to
/// another identity or have its quarantine flag flipped without failing authentication.
/// </summary>
/// <remarks>
/// Thread-safe. <see cref="AesGcm"/> and <see cref="ChaCha20Poly1305"/> instances are not: one instance shared by
/// the committer (sealing) and concurrent readers (opening) corrupted records and, with ChaCha20-Poly1305, crashed
/// the process. So each operation rents an instance of its own from a pool; the pool grows to the number of
/// operations that ever ran at once (a handful: the committer and the concurrent readers) and no further.
/// </remarks>
internal sealed class WalCipher : IDisposable
{
    public const int KeySize = 32, NonceSize = 12, TagSize = 16, Overhead = NonceSize + TagSize;

    private readonly byte[] _key;
    private readonly ConcurrentBag<IAead> _idle = new();
    private volatile bool _disposed;

    public WalCipher(WalCipherKind kind, ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize) throw new ArgumentException($"A log key is {KeySize} bytes; got {key.Length}.", nameof(key));
        if (kind is not (WalCipherKind.Aes256Gcm or WalCipherKind.ChaCha20Poly1305))
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a cipher.");
        Kind = kind;
        _key = key.ToArray();
        _idle.Add(Create()); // fail here, not at the first record, if the platform lacks the algorithm
    }

    public WalCipherKind Kind { get; }

    /// <summary>Writes nonce | ciphertext | tag into <paramref name="destination"/> (plaintext length + <see cref="Overhead"/>).</summary>
    public void Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData, Span<byte> destination)
    {
        var nonce = destination[..NonceSize];
        RandomNumberGenerator.Fill(nonce);
        var cipher = destination.Slice(NonceSize, plaintext.Length);
        var tag = destination.Slice(NonceSize + plaintext.Length, TagSize);
        var aead = Rent();
        try
        {
            aead.Encrypt(nonce, plaintext, cipher, tag, associatedData);
        }
        finally
        {
            Return(aead);
        }
    }

    /// <summary>Authenticates and decrypts; false when the key or the bytes are wrong.</summary>
    public bool TryOpen(ReadOnlySpan<byte> sealedBody, ReadOnlySpan<byte> associatedData, Span<byte> plaintext)
    {
        if (sealedBody.Length < Overhead) return false;
        var nonce = sealedBody[..NonceSize];
        var cipher = sealedBody[NonceSize..^TagSize];
        var tag = sealedBody[^TagSize..];
        var aead = Rent();
        try
        {
            aead.Decrypt(nonce, cipher, tag, plaintext[..cipher.Length], associatedData);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
        finally
        {
            Return(aead);
        }
    }

    private IAead Rent()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _idle.TryTake(out var aead) ? aead : Create();
    }

    private void Return(IAead aead)
    {
        if (_disposed) aead.Dispose();
        else _idle.Add(aead);
    }

    private IAead Create() => Kind == WalCipherKind.Aes256Gcm ? new Aes(new AesGcm(_key, TagSize)) : new ChaCha(new ChaCha20Poly1305(_key));

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var aead)) aead.Dispose();
        CryptographicOperations.ZeroMemory(_key);
    }

    // The two AEADs share a shape but no interface; this one lets the pool hold either.
    private interface IAead : IDisposable
    {
        void Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> associatedData);
        void Decrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> associatedData);
    }

    private sealed class Aes(AesGcm inner) : IAead
    {
        public void Encrypt(ReadOnlySpan<byte> n, ReadOnlySpan<byte> p, Span<byte> c, Span<byte> t, ReadOnlySpan<byte> a) => inner.Encrypt(n, p, c, t, a);
        public void Decrypt(ReadOnlySpan<byte> n, ReadOnlySpan<byte> c, ReadOnlySpan<byte> t, Span<byte> p, ReadOnlySpan<byte> a) => inner.Decrypt(n, c, t, p, a);
        public void Dispose() => inner.Dispose();
    }

    private sealed class ChaCha(ChaCha20Poly1305 inner) : IAead
    {
        public void Encrypt(ReadOnlySpan<byte> n, ReadOnlySpan<byte> p, Span<byte> c, Span<byte> t, ReadOnlySpan<byte> a) => inner.Encrypt(n, p, c, t, a);
        public void Decrypt(ReadOnlySpan<byte> n, ReadOnlySpan<byte> c, ReadOnlySpan<byte> t, Span<byte> p, ReadOnlySpan<byte> a) => inner.Decrypt(n, c, t, p, a);
        public void Dispose() => inner.Dispose();
    }
}

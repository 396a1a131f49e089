using System.Security.Cryptography;

namespace ZamSync.Wal;

/// <summary>
/// Per-record AEAD. Body layout: 12-byte random nonce, ciphertext, 16-byte tag. The associated data is the
/// record's identity (kind, flags, origin, sequence, HLC, event type), so a record cannot be moved to
/// another identity or have its quarantine flag flipped without failing authentication.
/// </summary>
internal sealed class WalCipher : IDisposable
{
    public const int KeySize = 32, NonceSize = 12, TagSize = 16, Overhead = NonceSize + TagSize;

    private readonly AesGcm? _aes;
    private readonly ChaCha20Poly1305? _chacha;

    public WalCipher(WalCipherKind kind, ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize) throw new ArgumentException($"A log key is {KeySize} bytes; got {key.Length}.", nameof(key));
        Kind = kind;
        switch (kind)
        {
            case WalCipherKind.Aes256Gcm: _aes = new AesGcm(key, TagSize); break;
            case WalCipherKind.ChaCha20Poly1305: _chacha = new ChaCha20Poly1305(key); break;
            default: throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a cipher.");
        }
    }

    public WalCipherKind Kind { get; }

    /// <summary>Writes nonce | ciphertext | tag into <paramref name="destination"/> (plaintext length + <see cref="Overhead"/>).</summary>
    public void Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData, Span<byte> destination)
    {
        var nonce = destination[..NonceSize];
        RandomNumberGenerator.Fill(nonce);
        var cipher = destination.Slice(NonceSize, plaintext.Length);
        var tag = destination.Slice(NonceSize + plaintext.Length, TagSize);
        if (_aes is not null) _aes.Encrypt(nonce, plaintext, cipher, tag, associatedData);
        else _chacha!.Encrypt(nonce, plaintext, cipher, tag, associatedData);
    }

    /// <summary>Authenticates and decrypts; false when the key or the bytes are wrong.</summary>
    public bool TryOpen(ReadOnlySpan<byte> sealedBody, ReadOnlySpan<byte> associatedData, Span<byte> plaintext)
    {
        if (sealedBody.Length < Overhead) return false;
        var nonce = sealedBody[..NonceSize];
        var cipher = sealedBody[NonceSize..^TagSize];
        var tag = sealedBody[^TagSize..];
        try
        {
            if (_aes is not null) _aes.Decrypt(nonce, cipher, tag, plaintext[..cipher.Length], associatedData);
            else _chacha!.Decrypt(nonce, cipher, tag, plaintext[..cipher.Length], associatedData);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _aes?.Dispose();
        _chacha?.Dispose();
    }
}

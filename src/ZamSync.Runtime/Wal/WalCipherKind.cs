namespace ZamSync.Wal;

/// <summary>Encryption at rest for the log. The key is 32 bytes; keep it outside the data directory.</summary>
public enum WalCipherKind : byte
{
    None = 0,
    /// <summary>AES-256-GCM: hardware accelerated on x86-64 and ARMv8.</summary>
    Aes256Gcm = 1,
    /// <summary>ChaCha20-Poly1305: fast without AES instructions (small ARM boards).</summary>
    ChaCha20Poly1305 = 2,
}

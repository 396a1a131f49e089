namespace ZamSync.Wal;

/// <summary>Options of the embedded write-ahead log.</summary>
public sealed record WalOptions
{
    /// <summary>Encryption at rest; <see cref="WalCipherKind.None"/> by default.</summary>
    public WalCipherKind Cipher { get; init; } = WalCipherKind.None;

    /// <summary>The 32-byte key when <see cref="Cipher"/> is set.</summary>
    public ReadOnlyMemory<byte> Key { get; init; }

    /// <summary>The largest record body accepted on write and trusted on read (16 MiB by default).</summary>
    public int MaxRecordBytes { get; init; } = 16 * 1024 * 1024;
}

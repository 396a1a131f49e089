using ZamSync.Storage;

namespace ZamSync;

public abstract partial class ZamEngine
{
    /// <summary>
    /// What every kind of engine does to open a directory: check its arguments and that the contract fits a handshake, create the directory,
    /// take its lock, and open the engine <paramref name="create"/> makes, off the caller's thread (opening reads the
    /// whole index from disk).
    /// </summary>
    private protected static Task<T> OpenDirectoryAsync<T>(string directory, NodeId nodeId, ZamEngineOptions options,
        Func<string, DirectoryLock, T> create, CancellationToken cancellationToken) where T : ZamEngine
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (nodeId.IsEmpty) throw new ArgumentException("A node needs a non-zero id.", nameof(nodeId));
        if (System.Text.Encoding.UTF8.GetByteCount(options.ContractFingerprint) > Sync.SyncMessageCodec.MaxFingerprintBytes)
            throw new ArgumentException($"The contract fingerprint is longer than the {Sync.SyncMessageCodec.MaxFingerprintBytes} UTF-8 bytes a handshake carries.", nameof(options));
        if (System.Text.Encoding.UTF8.GetByteCount(options.ContractSchema) > Sync.SyncMessageCodec.MaxSchemaBytes)
            throw new ArgumentException($"The contract schema is longer than the {Sync.SyncMessageCodec.MaxSchemaBytes} UTF-8 bytes a handshake carries.", nameof(options));
        cancellationToken.ThrowIfCancellationRequested();
        return Task.Run(async () =>
        {
            var fullPath = Path.GetFullPath(directory);
            try
            {
                Directory.CreateDirectory(fullPath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ZamStorageException(
                    $"Cannot create data directory {fullPath}: {StorageErrors.Describe(ex)}.{StorageErrors.Remedy(ex)}", ex);
            }
            var directoryLock = DirectoryLock.Acquire(fullPath);
            try
            {
                var engine = create(fullPath, directoryLock);
                await engine.OpenCoreAsync(cancellationToken).ConfigureAwait(false);
                return engine;
            }
            catch
            {
                directoryLock.Dispose();
                throw;
            }
        }, cancellationToken);
    }
}

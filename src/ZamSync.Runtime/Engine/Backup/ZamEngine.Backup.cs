using ZamSync.Backup;
using ZamSync.Storage;
using ZamSync.Wal;

namespace ZamSync;

public abstract partial class ZamEngine
{
    /// <summary>
    /// Backs up this running node's directory to <paramref name="backupFile"/> (created beside, fsynced and renamed into
    /// place; never overwritten), consistent while submits and sessions go on (docs/operations.md, "Backup and restore").
    /// </summary>
    /// <returns>The manifest written: every file with its size, mode and SHA-256, and what the backed-up log holds.</returns>
    public async Task<BackupManifest> BackupAsync(string backupFile, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(backupFile);
        backupFile = Path.GetFullPath(backupFile);
        NodeBackup.RefuseInside(DataDirectory, backupFile);
        return await NodeBackup.WriteFileAsync(backupFile, stream => BackupAsync(stream, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes a backup of this running node's directory to <paramref name="destination"/> (a tar archive with a
    /// manifest and SHA-256 checksums). Commits pause only while the copy is fixed, not while it is written.
    /// </summary>
    /// <remarks>
    /// The copy is fixed with commits paused (so no batch is half written and no compaction runs): the log's durable
    /// length and a handle on it, and the bytes of the files the engine rewrites (<c>state.snapshot</c>,
    /// <c>events.idx</c>, <c>clock.floor</c>), the peer table up to its last complete save and the quarantine reasons.
    /// Then commits go on while the log's first durable-length bytes are copied: the log is append-only below that
    /// length, and a compaction renames a new file over it, which the handle does not see. Every file fixed this way
    /// describes at most that prefix, so the restored directory opens and verifies as the node was at that moment.
    /// Other files in the directory (an app's own, its certificates and keys) are copied as they are.
    /// </remarks>
    /// <exception cref="NotSupportedException">The node's events or peers are not in its directory (a database store).</exception>
    public async Task<BackupManifest> BackupAsync(Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ThrowIfDisposed();
        if (_store is not WalEventStore wal || _peerStore is not FilePeerStore filePeers)
            throw new NotSupportedException("Only a node whose events and peers live in its data directory (the embedded log and peers.log) is backed up by its engine; back up a database store with the database's own tools.");
        // Peer knowledge still in memory goes into peers.log first, so the backup knows what each peer held.
        await FlushPeerKnowledgeAsync(cancellationToken).ConfigureAwait(false);
        var items = new List<BackupItem>();
        try
        {
            VersionVector known;
            await using (await _store.PauseCommitsAsync(cancellationToken).ConfigureAwait(false))
            {
                var (log, length, held) = wal.OpenDurablePrefix();
                known = held;
                items.Add(BackupItem.FromPrefix(WalEventStore.FileName, BackupItem.ModeOf(Path.Combine(DataDirectory, WalEventStore.FileName)), log, length));
                if (await filePeers.ReadSavedBytesAsync(cancellationToken).ConfigureAwait(false) is { } peers)
                    items.Add(Fixed(FilePeerStore.FileName, peers));
                if (_quarantine.ReadAllBytes() is { } reasons) items.Add(Fixed(QuarantineLog.FileName, reasons));
                // Replaced atomically and written only between commits: what is there now describes the prefix above.
                foreach (var name in RewrittenFiles)
                {
                    string path = Path.Combine(DataDirectory, name);
                    if (File.Exists(path)) items.Add(Fixed(name, File.ReadAllBytes(path)));
                }
            }
            var fixedNames = items.Select(i => i.Path).ToHashSet(StringComparer.Ordinal);
            var (directories, others) = NodeBackup.Walk(DataDirectory, name => fixedNames.Contains(name) || EngineFiles.Contains(name));
            foreach (var path in others) items.Add(BackupItem.FromDisk(path, Path.Combine(DataDirectory, path)));
            var manifest = new BackupManifest
            {
                Node = NodeId, Created = _options.TimeProvider.GetUtcNow(), Source = DataDirectory, TakenFrom = "engine",
                Cipher = wal.Header.Cipher, Known = known, ContractFingerprint = ContractFingerprint, ContractSchema = ContractSchema,
                Directories = directories,
            };
            return await BackupArchive.WriteAsync(destination, manifest, items, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var item in items) item.Dispose();
        }
    }

    private BackupItem Fixed(string name, byte[] bytes) => BackupItem.FromBytes(name, BackupItem.ModeOf(Path.Combine(DataDirectory, name)), bytes);

    /// <summary>The engine's files replaced atomically (write, fsync, rename) between commits.</summary>
    private static readonly string[] RewrittenFiles = [StateSnapshotFile.FileName, Wal.Index.WalIndexFile.FileName, ClockFloorFile.FileName];

    /// <summary>The engine's own files: copied only as fixed under the pause, never as they happen to be on disk later.</summary>
    private static readonly HashSet<string> EngineFiles = new(StringComparer.Ordinal)
    {
        WalEventStore.FileName, FilePeerStore.FileName, FilePeerStore.LegacyFileName, QuarantineLog.FileName,
        StateSnapshotFile.FileName, Wal.Index.WalIndexFile.FileName, ClockFloorFile.FileName,
    };
}

using ZamSync.Storage;
using ZamSync.Wal;

namespace ZamSync.Inspection;

/// <summary>
/// Read-only access to a stopped node's data directory, for operator tools (<c>zamsync info</c>, <c>audit</c>,
/// <c>verify</c>): the log, the peer table, the state snapshot and the quarantine reasons, each read without changing
/// a byte or a timestamp of any file.
/// </summary>
/// <remarks>
/// <para>
/// While it is open it holds the directory's lock (<c>zamsync.lock</c>, opened for reading only): a running engine
/// holds that lock, so opening an inspector on a running node's directory fails with
/// <see cref="DataDirectoryLockedException"/> instead of reading a log that is being appended to and a peer table
/// that is being rewritten; and an engine that starts while an inspection runs is refused until it ends, so the
/// inspection sees one consistent directory. A directory without a lock file (no engine ever opened it, or it was
/// copied without it) is read without one: no lock file is created.
/// </para>
/// <para>Not thread-safe. Dispose it to release the lock and the log.</para>
/// </remarks>
public sealed class DataDirectoryInspector : IDisposable
{
    private readonly FileStream? _lock;
    private readonly WalCipher? _cipher;

    private DataDirectoryInspector(string directory, FileStream? directoryLock, WalInspector log, WalCipher? cipher)
    {
        DataDirectory = directory;
        _lock = directoryLock;
        Log = log;
        _cipher = cipher;
    }

    /// <summary>The directory's full path.</summary>
    public string DataDirectory { get; }

    /// <summary>The log, <c>events.wal</c>.</summary>
    public WalInspector Log { get; }

    /// <summary>Whether the directory's lock is held by this inspector (false when the directory has no lock file).</summary>
    public bool Locked => _lock is not null;

    /// <summary>Opens <paramref name="directory"/> read-only and takes its lock for as long as the inspector is open.</summary>
    /// <param name="directory">The node's data directory.</param>
    /// <param name="key">The log's 32-byte key when it is encrypted (optional: without it payloads cannot be read).</param>
    /// <exception cref="DirectoryNotFoundException">There is no such directory.</exception>
    /// <exception cref="DataDirectoryLockedException">An engine has the directory open.</exception>
    /// <exception cref="FileNotFoundException">The directory holds no <c>events.wal</c>.</exception>
    /// <exception cref="WalCorruptionException">The log's header is damaged.</exception>
    /// <exception cref="WalKeyException">The key does not open the log.</exception>
    public static DataDirectoryInspector Open(string directory, ReadOnlyMemory<byte> key = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        directory = Path.GetFullPath(directory);
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"'{directory}' does not exist.");
        string logPath = Path.Combine(directory, WalEventStore.FileName);
        if (!File.Exists(logPath)) throw new FileNotFoundException($"'{directory}' holds no log ({WalEventStore.FileName}): it is not a ZamSync node's data directory.", logPath);
        var directoryLock = TryLock(directory);
        WalInspector? log = null;
        try
        {
            log = WalInspector.Open(logPath, key);
            var cipher = key.IsEmpty ? null : new WalCipher(log.Cipher, key.Span);
            return new DataDirectoryInspector(directory, directoryLock, log, cipher);
        }
        catch
        {
            log?.Dispose();
            directoryLock?.Dispose();
            throw;
        }
    }

    // The engine holds zamsync.lock with no sharing (an exclusive flock on Unix). Opening it for reading with no sharing
    // asks for the same lock: refused while an engine runs; when granted, no engine can start until it is released.
    // Read access and FileMode.Open: the file is neither created nor written, so its contents and mtime stay as they are.
    private static FileStream? TryLock(string directory)
    {
        string path = Path.Combine(directory, DirectoryLock.FileName);
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None, 1, FileOptions.None);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (IOException ex) when (StorageErrors.Classify(ex) == StorageErrors.Cause.LockHeld)
        {
            throw new DataDirectoryLockedException(directory, ex);
        }
    }

    /// <summary>The peer table (<c>peers.log</c>), replayed without cutting or rewriting it.</summary>
    public PeerTableReading ReadPeers() => PeerTableReading.Read(DataDirectory);

    /// <summary>
    /// The state snapshot's description, or null when there is none (a relay, or a node never closed cleanly) or when
    /// it cannot be read (<paramref name="problem"/> then says why; the engine ignores such a file).
    /// </summary>
    public SnapshotReading? ReadSnapshot(out InspectionProblem? problem) =>
        SnapshotReading.Read(DataDirectory, _cipher, Log.Cipher != WalCipherKind.None, out problem);

    /// <summary>Why replicated events were quarantined (<c>quarantine.log</c>); empty when none were.</summary>
    public IReadOnlyList<QuarantinedEvent> ReadQuarantineReasons() =>
        File.Exists(Path.Combine(DataDirectory, QuarantineLog.FileName)) ? new QuarantineLog(DataDirectory).Entries : [];

    /// <summary>
    /// Checks <c>clock.floor</c> (the highest clock reading the node promised its peers): null when it is sound or
    /// absent, else the problem (the engine refuses to open a directory whose floor is damaged).
    /// </summary>
    public InspectionProblem? CheckClockFloor()
    {
        try
        {
            ClockFloorFile.Read(DataDirectory);
            return null;
        }
        catch (ZamException ex)
        {
            return new InspectionProblem(Path.Combine(DataDirectory, ClockFloorFile.FileName), -1, ex.Message);
        }
    }

    /// <summary>
    /// Lines of <c>quarantine.log</c> that are not a reason the engine can read, before its last line (a torn last line
    /// is a cut write, and only loses a reason; the quarantine flag is in the log record).
    /// </summary>
    public IReadOnlyList<InspectionProblem> CheckQuarantineReasons()
    {
        string path = Path.Combine(DataDirectory, QuarantineLog.FileName);
        if (!File.Exists(path)) return [];
        var problems = new List<InspectionProblem>();
        var bytes = File.ReadAllBytes(path);
        long offset = 0;
        while (offset < bytes.Length)
        {
            int end = Array.IndexOf(bytes, (byte)'\n', (int)offset);
            bool last = end < 0;
            int length = (last ? bytes.Length : end) - (int)offset;
            var line = bytes.AsSpan((int)offset, length);
            if (!line.Trim((byte)' ').IsEmpty && !last && !QuarantineLog.IsReadableLine(line))
                problems.Add(new InspectionProblem(path, offset, "a line is not a quarantine reason the engine can read (it is skipped: only that reason is lost)"));
            offset += length + 1;
        }
        return problems;
    }

    /// <summary>Releases the lock and closes the log.</summary>
    public void Dispose()
    {
        Log.Dispose();
        _cipher?.Dispose();
        _lock?.Dispose();
    }
}

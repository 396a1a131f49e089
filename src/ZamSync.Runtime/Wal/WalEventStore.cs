using System.Buffers;
using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;
using ZamSync.Diagnostics;
using ZamSync.Storage;

namespace ZamSync.Wal;

/// <summary>
/// The embedded event store: one append-only file, <c>events.wal</c>, with group commit.
/// </summary>
/// <remarks>
/// Appends are encoded into a pending batch under a lock. One committer task writes the whole batch,
/// fsyncs once, publishes it to the index and then completes every waiter: concurrent submitters share an
/// fsync, and nothing is readable (so nothing is sent to a peer) before it is durable. While the committer
/// waits on the disk the next batch fills up, so batches grow with load without any timer.
/// </remarks>
internal sealed partial class WalEventStore : IEventStore
{
    public const string FileName = "events.wal";

    private readonly string _path;
    private readonly WalOptions _options;
    private readonly WalCipher? _cipher;
    private readonly ZamMetrics _metrics;
    private readonly Action<CommittedBatch> _onCommitted;
    private readonly Lock _gate = new();
    // Guarded by _gate: TryAppend's per-origin "next sequence" check.
    private readonly Dictionary<NodeId, ulong> _appendCheck = new();
    private readonly ReaderWriterLockSlim _fileSwap = new();
    private readonly SemaphoreSlim _commitLock = new(1, 1);
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Task _committer;

    // Guarded by _gate.
    private SafeFileHandle _file;
    private WalIndex _index;
    private long _durableLength;
    private PendingBatch _pending;
    private uint _lastBatch;
    private PendingBatch? _inflight;
    private PendingBatch? _spare;
    private Exception? _poisoned;
    private long _writeFailures;
    private bool _disposed;

    private WalEventStore(string path, NodeId owner, WalFileHeader header, SafeFileHandle file, WalScanner.Result scan,
        WalOptions options, WalCipher? cipher, ZamMetrics metrics, Action<CommittedBatch> onCommitted, WalRecoveryReport recovery)
    {
        _path = path;
        NodeId = owner;
        Header = header;
        _file = file;
        _index = scan.Index;
        _durableLength = scan.End;
        _lastBatch = scan.LastBatch;
        _pending = new PendingBatch();
        _options = options;
        _cipher = cipher;
        _metrics = metrics;
        _onCommitted = onCommitted;
        _base = scan.Base;
        Base = Describe(scan.Base);
        Recovery = recovery;
        ClockAtOpen = new StoreClockReading(scan.MaxOwnHlc, scan.MaxHlc);
        _committer = Task.Run(CommitLoopAsync);
    }

    public NodeId NodeId { get; }

    /// <summary>Writes that failed (and took back what was queued behind them) since open.</summary>
    public long WriteFailures => Interlocked.Read(ref _writeFailures);

    public WalFileHeader Header { get; private set; }

    public WalRecoveryReport Recovery { get; }

    public StoreClockReading ClockAtOpen { get; }

    // The base record of a compacted log as read from it, and the port's view of it.
    private WalBase? _base;

    /// <summary>The base of a compacted log (floors, horizon, state snapshot), or null.</summary>
    public CompactedBase? Base { get; private set; }

    private static CompactedBase? Describe(WalBase? walBase) =>
        walBase is null ? null : new CompactedBase(walBase.Floors.Clone(), walBase.Horizon, walBase.Snapshot);

    /// <summary>Stops the committer between batches until the returned handle is disposed.</summary>
    public async ValueTask<IAsyncDisposable> PauseCommitsAsync(CancellationToken cancellationToken = default)
    {
        await _commitLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Releaser(_commitLock);
    }

    /// <summary>What a <see cref="FoldView"/> of this log holds: the fold order it saw, and the file its offsets point into.</summary>
    private sealed record FoldCapture(Index.WalFoldOrder Entries, SafeFileHandle File, long Length);

    private sealed class Releaser(SemaphoreSlim semaphore) : IAsyncDisposable
    {
        private SemaphoreSlim? _semaphore = semaphore;

        public ValueTask DisposeAsync()
        {
            Interlocked.Exchange(ref _semaphore, null)?.Release();
            return ValueTask.CompletedTask;
        }
    }

    public long Length { get { lock (_gate) return _durableLength; } }

    public VersionVector Known { get { lock (_gate) return _index.Known(); } }

    public ulong HighestSequence(NodeId origin)
    {
        lock (_gate) return HighestSequenceLocked(origin);
    }

    public ulong Floor(NodeId origin)
    {
        lock (_gate) return _index.Floor(origin);
    }

    /// <summary>Opens (creating if needed) the log in <paramref name="directory"/> and recovers it.</summary>
    public static WalEventStore Open(string directory, NodeId owner, WalOptions options, ZamMetrics metrics, Action<CommittedBatch> onCommitted)
    {
        string path = Path.Combine(directory, FileName);
        // A rekey a crash interrupted is finished (or rolled back) first, so the log opened is whole under one key.
        LogRekey.FinishInterrupted(directory);
        if (!File.Exists(path)) CreateEmpty(path, owner, options);
        var cipher = options.Cipher == WalCipherKind.None ? null : new WalCipher(options.Cipher, options.Key.Span);
        SafeFileHandle? file = null;
        try
        {
            file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
            long length = RandomAccess.GetLength(file);
            var headerBytes = new byte[WalFileHeader.Size];
            int read = RandomAccess.Read(file, headerBytes, 0);
            var header = WalFileHeader.Read(headerBytes.AsSpan(0, read), path);
            CheckKey(header, headerBytes, options, cipher, path);
            if (header.NodeId != owner)
                throw new ZamException($"The log '{path}' belongs to node {header.NodeId}, not {owner}. Open it with its own node id.");
            var (scan, indexNotUsed) = ScanOnOpen(path, owner, header, file, length, cipher);
            if (scan.TruncatedAt >= 0)
            {
                // Only a torn tail reaches here (the scanner throws on anything else): cut it off durably so
                // the next append starts on a record boundary.
                RandomAccess.SetLength(file, scan.TruncatedAt);
                RandomAccess.FlushToDisk(file);
            }
            var report = new WalRecoveryReport(scan.Index.Count, scan.TruncatedAt, scan.TruncatedAt >= 0 ? length - scan.TruncatedAt : 0)
            {
                RecordsScanned = scan.RecordsScanned, IndexUsed = indexNotUsed is null, IndexNotUsedReason = indexNotUsed,
            };
            return new WalEventStore(path, owner, header, file, scan, options, cipher, metrics, onCommitted, report);
        }
        catch
        {
            file?.Dispose();
            cipher?.Dispose();
            throw;
        }
    }

    private static void CheckKey(WalFileHeader header, byte[] headerBytes, WalOptions options, WalCipher? cipher, string path)
    {
        if (header.Cipher == WalCipherKind.None && cipher is not null)
            throw new WalKeyException($"The log '{path}' is not encrypted, but a key was given. Open it without a key (or start a new directory to encrypt).");
        if (header.Cipher != WalCipherKind.None && cipher is null)
            throw new WalKeyException($"The log '{path}' is encrypted ({header.Cipher}); open it with its key.");
        if (cipher is null) return;
        if (header.Cipher != options.Cipher)
            throw new WalKeyException($"The log '{path}' is encrypted with {header.Cipher}, not {options.Cipher}.");
        if (!WalFileHeader.KeyMatches(headerBytes, cipher))
            throw new WalKeyException($"The key does not open the log '{path}'. Nothing was changed; open it with the right key.");
    }

    private static void CreateEmpty(string path, NodeId owner, WalOptions options)
    {
        using var cipher = options.Cipher == WalCipherKind.None ? null : new WalCipher(options.Cipher, options.Key.Span);
        var header = WalFileHeader.Create(options.Cipher, owner);
        var bytes = new byte[WalFileHeader.Size];
        header.Write(bytes, cipher);
        DurableFile.WriteAllBytes(path, bytes);
    }

    // ---- append ------------------------------------------------------------------------------------------

    /// <summary>
    /// The engine's append. A hole is an answer here, not an error: the engine counted sequences on top of queued
    /// events that a failed write (a full disk) has since taken back, and counts again. False keeps nothing.
    /// </summary>
    public bool TryAppend(IReadOnlyList<StoredEvent> events, out AppendTicket ticket, out SequenceHole hole)
    {
        ArgumentNullException.ThrowIfNull(events);
        hole = default;
        ticket = AppendTicket.Durable;
        if (events.Count == 0) return true;
        PendingBatch batch;
        lock (_gate)
        {
            ThrowIfUnwritable();
            // Check everything before encoding anything: the append is all-or-nothing.
            // One scratch table reused under the gate: the check runs on every append, and a fresh
            // dictionary per call was the append path's main allocation.
            var expected = _appendCheck;
            expected.Clear();
            // Indexed loops: foreach over an IReadOnlyList boxes an enumerator on every append.
            for (int i = 0; i < events.Count; i++)
            {
                var env = events[i].Envelope;
                if (env.Origin.IsEmpty) throw new ArgumentException("An event needs a non-zero origin.", nameof(events));
                if (env.Payload.Length > _options.MaxRecordBytes)
                    throw new ArgumentException($"Event {env.Origin}#{env.Sequence} has {env.Payload.Length} bytes, more than the {_options.MaxRecordBytes}-byte limit.", nameof(events));
                ulong next = (expected.TryGetValue(env.Origin, out var last) ? last : HighestSequenceLocked(env.Origin)) + 1;
                if (env.Sequence != next)
                {
                    hole = new SequenceHole(env.Origin, next, env.Sequence);
                    return false;
                }
                expected[env.Origin] = env.Sequence;
            }
            for (int i = 0; i < events.Count; i++) _pending.Add(events[i], _cipher);
            batch = _pending;
        }
        // The write starts when the ticket is waited on (WaitDurableAsync wakes the committer, CommitAndWaitAsync may
        // write on the caller's thread), so a lone submitter is not handed to the committer first.
        ticket = new AppendTicket(0, batch.Done.Task);
        return true;
    }

    /// <summary>One event, without the list a caller would allocate to pass it (the submit path).</summary>
    public bool TryAppend(StoredEvent stored, out AppendTicket ticket, out SequenceHole hole)
    {
        var env = stored.Envelope;
        hole = default;
        lock (_gate)
        {
            ThrowIfUnwritable();
            if (env.Origin.IsEmpty) throw new ArgumentException("An event needs a non-zero origin.", nameof(stored));
            if (env.Payload.Length > _options.MaxRecordBytes)
                throw new ArgumentException($"Event {env.Origin}#{env.Sequence} has {env.Payload.Length} bytes, more than the {_options.MaxRecordBytes}-byte limit.", nameof(stored));
            ulong next = HighestSequenceLocked(env.Origin) + 1;
            if (env.Sequence != next)
            {
                hole = new SequenceHole(env.Origin, next, env.Sequence);
                ticket = AppendTicket.Durable;
                return false;
            }
            _pending.Add(stored, _cipher);
            ticket = new AppendTicket(0, _pending.Done.Task);
            return true;
        }
    }

    private void ThrowIfUnwritable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_poisoned is not null) throw new ZamStorageException($"The log '{_path}' could not be repaired after a failed write; reopen the engine.", _poisoned);
    }

    public ValueTask WaitDurableAsync(AppendTicket ticket, CancellationToken cancellationToken = default)
    {
        if (ticket.State is not Task done || done.IsCompleted) return new ValueTask((ticket.State as Task) ?? Task.CompletedTask);
        _wake.Writer.TryWrite(true);
        return new ValueTask(cancellationToken.CanBeCanceled ? done.WaitAsync(cancellationToken) : done);
    }

    /// <summary>
    /// Leader commit: when no write is in flight, the caller's thread writes and fsyncs the queue itself (its own events
    /// and whatever else is queued), so a lone submitter pays no hand-off to the committer and back. When a write is
    /// in flight the committer takes the queue next, as for <see cref="WaitDurableAsync"/>, and batches keep merging.
    /// </summary>
    public ValueTask CommitAndWaitAsync(AppendTicket ticket, CancellationToken cancellationToken = default)
    {
        if (ticket.State is Task { IsCompleted: false } && _commitLock.Wait(0))
        {
            try
            {
                CommitPending();
            }
            finally
            {
                _commitLock.Release();
            }
        }
        return WaitDurableAsync(ticket, cancellationToken);
    }

    /// <summary>The log is its only writer's: its view is always current.</summary>
    public ValueTask RefreshAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    /// <summary>
    /// Completes when <paramref name="origin"/>'s events up to <paramref name="sequence"/> are durable; null when they
    /// already are. For a caller that skips events as held because another caller's append of them is still queued:
    /// it must not report them durable before they are (and fails if that write fails).
    /// </summary>
    public Task? WhenDurable(NodeId origin, ulong sequence)
    {
        lock (_gate)
        {
            if (sequence <= _index.Last(origin)) return null;
            if (_inflight is not null && _inflight.High.TryGetValue(origin, out var high) && sequence <= high) return _inflight.Done.Task;
            return _pending.Done.Task;
        }
    }

    /// <summary>
    /// The highest stamp among <paramref name="origin"/>'s events, queued and compacted ones included: its next
    /// event must carry a higher one (see docs/engine.md, "Frontiers").
    /// </summary>
    public Hlc HighStamp(NodeId origin)
    {
        lock (_gate)
        {
            var high = _index.HighStamp(origin);
            if (_inflight is not null && _inflight.HighStamp.TryGetValue(origin, out var h) && h > high) high = h;
            if (_pending.HighStamp.TryGetValue(origin, out h) && h > high) high = h;
            return high;
        }
    }

    /// <summary>Every origin durably held (or compacted) with its highest stamp.</summary>
    internal Dictionary<NodeId, Hlc> HighStamps()
    {
        lock (_gate) return _index.HighStamps();
    }

    private ulong HighestSequenceLocked(NodeId origin) =>
        _pending.High.TryGetValue(origin, out var high) ? high
        : _inflight is not null && _inflight.High.TryGetValue(origin, out high) ? high
        : _index.Last(origin);

    private async Task CommitLoopAsync()
    {
        while (await _wake.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            _wake.Reader.TryRead(out _);
            await _commitLock.WaitAsync().ConfigureAwait(false);
            try
            {
                CommitPending();
            }
            finally
            {
                _commitLock.Release();
            }
        }
        await _commitLock.WaitAsync().ConfigureAwait(false);
        try { CommitPending(); } finally { _commitLock.Release(); }
    }

    private void CommitPending()
    {
        PendingBatch batch;
        long offset;
        SafeFileHandle file;
        lock (_gate)
        {
            if (_pending.Count == 0) return;
            batch = _pending;
            _inflight = batch;
            _pending = TakeSpare();
            offset = _durableLength;
            file = _file;
        }
        // Batches are numbered when they are written, so the numbers on disk are consecutive (a failed write
        // uses none): recovery relies on that to tell a torn last batch from damage to an older one.
        uint number = _lastBatch + 1;
        batch.Stamp(number);
        try
        {
            RandomAccess.Write(file, batch.Bytes, offset);
            long syncing = System.Diagnostics.Stopwatch.GetTimestamp();
            RandomAccess.FlushToDisk(file);
            _metrics.FsyncDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(syncing).TotalSeconds);
        }
        catch (Exception ex)
        {
            FailBatch(batch, file, offset, ex);
            return;
        }
        _metrics.FsyncBatches.Add(1);
        lock (_gate)
        {
            foreach (var (key, at, length) in batch.Records) _index.TryAdd(key, new RecordRef(offset + at, length));
            _index.CompleteBatch();
            _durableLength = offset + batch.Length;
            _lastBatch = number;
            _inflight = null;
        }
        try
        {
            _onCommitted(new CommittedBatch(batch.Events, number));
        }
        finally
        {
            // The batch is on disk whatever a subscriber did with the notice: its waiters learn it is durable.
            batch.Done.TrySetResult();
            lock (_gate) _spare = batch.Recycle();
        }
    }

    /// <summary>
    /// The queue to fill next: the batch the last commit finished with, emptied, so the append path allocates no lists,
    /// tables or buffers of its own once warm (two batches alternate: one queued, one being written). Under the gate.
    /// </summary>
    private PendingBatch TakeSpare()
    {
        var spare = _spare ?? new PendingBatch();
        _spare = null;
        return spare;
    }

    private void FailBatch(PendingBatch batch, SafeFileHandle file, long offset, Exception ex)
    {
        // Put the file back exactly as it was before this batch, then fail this batch and every append
        // queued behind it (their sequences followed the failed ones, so they cannot stand alone).
        try
        {
            RandomAccess.SetLength(file, offset);
            RandomAccess.FlushToDisk(file);
        }
        catch (Exception repair)
        {
            lock (_gate) _poisoned = repair;
        }
        var error = new ZamStorageException($"Writing to the log '{_path}' failed: {ex.Message} Nothing of this write was kept.", ex);
        PendingBatch behind;
        lock (_gate)
        {
            behind = _pending;
            _pending = new PendingBatch();
            _inflight = null;
            // Counted together with taking the queue back, so a caller that read the count before this point
            // knows its view of what is queued may be stale.
            Interlocked.Increment(ref _writeFailures);
        }
        batch.Done.TrySetException(error);
        batch.Release();
        if (behind.Count > 0) behind.Done.TrySetException(error);
        behind.Release();
    }

    // ---- read --------------------------------------------------------------------------------------------

    private const int ReadChunk = 256;

    public IEnumerable<StoredEvent> Read(NodeId origin, ulong fromSequence)
    {
        var refs = new List<RecordRef>(ReadChunk);
        var chunk = new List<StoredEvent>(ReadChunk);
        ulong next = Math.Max(1, fromSequence);
        while (true)
        {
            refs.Clear();
            chunk.Clear();
            _fileSwap.EnterReadLock();
            try
            {
                SafeFileHandle file;
                lock (_gate)
                {
                    ObjectDisposedException.ThrowIf(_disposed, this);
                    _index.CopyRange(origin, next, ReadChunk, refs);
                    file = _file;
                }
                ReadRecords(file, refs, chunk);
            }
            finally
            {
                _fileSwap.ExitReadLock();
            }
            if (chunk.Count == 0) yield break;
            // The index (perhaps loaded from events.idx) said where these events are; the records themselves must agree.
            for (int i = 0; i < chunk.Count; i++)
                if (chunk[i].Envelope.Origin != origin || chunk[i].Envelope.Sequence != next + (ulong)i)
                    throw new WalCorruptionException(_path, refs[i].Offset, -1, $"the index places {origin}#{next + (ulong)i} on a record of {chunk[i].Envelope.Origin}#{chunk[i].Envelope.Sequence}");
            foreach (var e in chunk) yield return e;
            next += (ulong)chunk.Count;
        }
    }

    /// <summary>
    /// The fold order as it stands, with the number of the last batch it includes: every batch up to
    /// <see cref="FoldView.Batch"/> is in it, and no later one. The engine folds from a view and skips the
    /// durable-callbacks of batches the view already covered (the callback runs after the batch is published).
    /// </summary>
    public FoldView CaptureFold()
    {
        lock (_gate) return new FoldView(_index.FoldOrder.Count, _lastBatch, new FoldCapture(_index.FoldOrder, _file, _durableLength));
    }

    private static FoldCapture Capture(FoldView view) =>
        view.State as FoldCapture ?? throw new ArgumentException("The fold view was not captured from this log.", nameof(view));

    public IEnumerable<StoredEvent> ReadInFoldOrder() => ReadInFoldOrder(CaptureFold());

    public IEnumerable<EventKey> ReadFoldKeys(FoldView view, long start = 0)
    {
        var fold = Capture(view).Entries;
        for (long i = start; i < view.Count; i++) yield return fold[(int)i].Key;
    }

    public long CountAtOrBefore(FoldView view, EventKey key)
    {
        var fold = Capture(view).Entries;
        int lo = 0, hi = (int)view.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (fold[mid].Key <= key) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    public IEnumerable<StoredEvent> ReadInFoldOrder(FoldView view, long start = 0)
    {
        // The first `count` entries of the captured list never change: new events are appended to it, and
        // events that sort earlier are merged into a new list. Only compaction (which swaps the file, so the
        // captured offsets no longer point at records) invalidates this read.
        var (fold, opened, _) = Capture(view);
        int count = (int)view.Count;
        var chunk = new List<StoredEvent>(ReadChunk);
        var refs = new List<RecordRef>(ReadChunk);
        var keys = new List<EventKey>(ReadChunk);
        for (int first = (int)start; first < count; first += ReadChunk)
        {
            chunk.Clear();
            _fileSwap.EnterReadLock();
            try
            {
                SafeFileHandle file;
                lock (_gate)
                {
                    if (!ReferenceEquals(opened, _file))
                        throw new InvalidOperationException("The log was compacted while it was being read in fold order.");
                    file = _file;
                }
                int end = Math.Min(count, first + ReadChunk);
                refs.Clear();
                keys.Clear();
                for (int i = first; i < end; i++)
                {
                    var entry = fold[i];
                    refs.Add(entry.Record);
                    keys.Add(entry.Key);
                }
                ReadRecords(file, refs, chunk);
            }
            finally
            {
                _fileSwap.ExitReadLock();
            }
            // The index (perhaps loaded from events.idx) said which event each record is; the records must agree.
            for (int i = 0; i < chunk.Count; i++)
                if (chunk[i].Envelope.Key != keys[i])
                    throw new WalCorruptionException(_path, refs[i].Offset, -1, $"the index places {keys[i]} on a record of {chunk[i].Envelope.Key}");
            foreach (var e in chunk) yield return e;
        }
    }

    /// <summary>
    /// Reads records, coalescing runs that sit back to back in the file into one read (the common case:
    /// a peer's missing range, or a fold order that follows the file), so a replay costs few syscalls.
    /// </summary>
    private void ReadRecords(SafeFileHandle file, List<RecordRef> refs, List<StoredEvent> into)
    {
        const int maxRun = 1 << 20;
        for (int i = 0; i < refs.Count;)
        {
            int j = i + 1;
            long end = refs[i].Offset + refs[i].Length;
            while (j < refs.Count && refs[j].Offset == end && end - refs[i].Offset + refs[j].Length <= maxRun)
            {
                end += refs[j].Length;
                j++;
            }
            var run = new byte[end - refs[i].Offset];
            ReadExactly(file, run, refs[i].Offset);
            for (int k = i, at = 0; k < j; at += refs[k].Length, k++)
                into.Add(DecodeRecord(run.AsMemory(at, refs[k].Length), refs[k]));
            i = j;
        }
    }

    private void ReadExactly(SafeFileHandle file, Span<byte> destination, long offset)
    {
        int read = 0;
        while (read < destination.Length)
        {
            int n = RandomAccess.Read(file, destination[read..], offset + read);
            if (n == 0) throw new WalCorruptionException(_path, offset + read, -1, "the file ends inside an indexed record");
            read += n;
        }
    }

    private StoredEvent DecodeRecord(ReadOnlyMemory<byte> bytes, RecordRef r)
    {
        // Re-check on every read: the page cache or the disk may have changed since open.
        if (!WalRecord.TryReadHeader(bytes.Span, out var header) || header.RecordLength != r.Length || !WalRecord.BodyChecksumMatches(bytes.Span, header.BodyLength))
            throw new WalCorruptionException(_path, r.Offset, -1, "an indexed record no longer passes its checksums");
        var payload = WalRecord.OpenBody(bytes, header, _cipher, _path, r.Offset);
        var envelope = new EventEnvelope(header.Origin, header.Sequence, header.Hlc, header.EventType, payload);
        return new StoredEvent(envelope, (header.Flags & WalRecordFlags.Quarantined) != 0);
    }

    // ---- lifetime ----------------------------------------------------------------------------------------

    /// <summary>Refuses new appends and waits until everything already queued is durable.</summary>
    public async Task StopAsync()
    {
        lock (_gate) _disposed = true;
        _wake.Writer.TryComplete();
        await _committer.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_file.IsClosed) return;
        await StopAsync().ConfigureAwait(false);
        PersistIndex();
        _fileSwap.EnterWriteLock();
        try
        {
            _file.Dispose();
        }
        finally
        {
            _fileSwap.ExitWriteLock();
        }
        _cipher?.Dispose();
    }

    /// <summary>Records encoded and waiting for the committer.</summary>
    private sealed class PendingBatch
    {
        private byte[] _buffer = Array.Empty<byte>();

        public int Length { get; private set; }
        public int Count => Events.Count;
        public List<StoredEvent> Events { get; } = new();
        public List<(EventKey Key, int Offset, int Length)> Records { get; } = new();
        public TaskCompletionSource Done { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public ReadOnlySpan<byte> Bytes => _buffer.AsSpan(0, Length);

        /// <summary>Highest sequence per origin in this batch.</summary>
        public Dictionary<NodeId, ulong> High { get; } = new();

        /// <summary>Highest stamp per origin in this batch.</summary>
        public Dictionary<NodeId, Hlc> HighStamp { get; } = new();

        public void Add(StoredEvent e, WalCipher? cipher)
        {
            var env = e.Envelope;
            int size = WalRecord.EncodedLength(env.Payload.Length, cipher);
            if (Length + size > _buffer.Length)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(Length + size, Math.Max(4096, _buffer.Length * 2)));
                _buffer.AsSpan(0, Length).CopyTo(bigger);
                if (_buffer.Length > 0) ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = bigger;
            }
            var flags = e.Quarantined ? WalRecordFlags.Quarantined : WalRecordFlags.None;
            int written = WalRecord.Write(_buffer.AsSpan(Length), WalRecordKind.Event, flags, batch: 0, env, env.Payload.Span, cipher);
            Records.Add((env.Key, Length, written));
            Events.Add(e);
            High[env.Origin] = env.Sequence;
            if (!HighStamp.TryGetValue(env.Origin, out var stamp) || env.Hlc > stamp) HighStamp[env.Origin] = env.Hlc;
            Length += written;
        }

        /// <summary>Writes the batch number into every record, marking the first as the batch's start.</summary>
        public void Stamp(uint number)
        {
            for (int i = 0; i < Records.Count; i++)
                WalRecord.StampBatch(_buffer.AsSpan(Records[i].Offset, Records[i].Length), number, first: i == 0);
        }

        /// <summary>
        /// Empties the batch for reuse once its waiters have been told (they hold the old task; the next batch gets a
        /// fresh one). A buffer grown past <see cref="KeptBuffer"/> by one large batch goes back to the pool.
        /// </summary>
        public PendingBatch Recycle()
        {
            if (_buffer.Length > KeptBuffer) Release();
            Length = 0;
            Events.Clear();
            Records.Clear();
            High.Clear();
            HighStamp.Clear();
            Done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return this;
        }

        private const int KeptBuffer = 1 << 20;

        public void Release()
        {
            if (_buffer.Length > 0) ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = Array.Empty<byte>();
        }
    }
}

using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using ZamSync.Wal;

namespace ZamSync.Inspection;

/// <summary>
/// Reads a log (<c>events.wal</c>) strictly read-only, for operator tools: it opens the file for reading only, never
/// cuts a torn tail, never repairs, and never stops at damage. Where the engine's open refuses a log (damage before the
/// tail) or cuts it (a torn tail), an inspector reports the damaged region with its offset and reason and reads on from
/// the next intact record, so one bad sector does not hide the rest of the log.
/// </summary>
/// <remarks>
/// An inspector does not take the data directory's lock (<see cref="DataDirectoryInspector"/> does): a log that a
/// running engine appends to may grow under it, and what it reads is then a consistent prefix at best.
/// Not thread-safe.
/// </remarks>
public sealed class WalInspector : IDisposable
{
    private readonly SafeFileHandle _file;
    private readonly WalCipher? _cipher;
    private readonly WalFileHeader _header;

    private WalInspector(string path, SafeFileHandle file, WalFileHeader header, WalCipher? cipher, long length)
    {
        Path = path;
        _file = file;
        _header = header;
        _cipher = cipher;
        Length = length;
    }

    /// <summary>The log file's full path.</summary>
    public string Path { get; }

    /// <summary>The node whose log this is (from the header).</summary>
    public NodeId NodeId => _header.NodeId;

    /// <summary>The cipher the log is encrypted with (<see cref="WalCipherKind.None"/> when it is not).</summary>
    public WalCipherKind Cipher => _header.Cipher;

    /// <summary>The log's format version.</summary>
    public int FormatVersion => _header.Version;

    /// <summary>
    /// The log's generation: a random number chosen when the file was created (and again by each compaction), which
    /// <c>state.snapshot</c> names to say which log it describes.
    /// </summary>
    public ulong Generation => _header.Generation;

    /// <summary>The prefix a compaction wrote whole (0 when none): damage there can never be a torn tail.</summary>
    public long SealedLength => _header.SealedLength;

    /// <summary>The file's length when it was opened.</summary>
    public long Length { get; }

    /// <summary>Whether payloads can be read: the log is plain, or its key was given.</summary>
    public bool CanReadPayloads => _header.Cipher == WalCipherKind.None || _cipher is not null;

    /// <summary>
    /// Opens <paramref name="path"/> for reading and checks its header (and the key, when one is given). An encrypted
    /// log opens without its key: headers, sizes and checksums can be read, payloads cannot.
    /// </summary>
    /// <param name="path">The log file (<c>events.wal</c>).</param>
    /// <param name="key">The log's 32-byte key, or empty.</param>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="WalCorruptionException">The header is damaged or not a ZamSync log's.</exception>
    /// <exception cref="WalKeyException">A key was given and it does not open the log, or the log is not encrypted.</exception>
    /// <exception cref="ZamException">The log was written by a newer format version.</exception>
    public static WalInspector Open(string path, ReadOnlyMemory<byte> key = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        path = System.IO.Path.GetFullPath(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"'{path}' does not exist: no log here.", path);
        // Read access with every kind of sharing: this handle must never stand in a writer's way or write itself.
        var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        WalCipher? cipher = null;
        try
        {
            long length = RandomAccess.GetLength(file);
            var headerBytes = new byte[WalFileHeader.Size];
            int read = 0;
            while (read < headerBytes.Length)
            {
                int n = RandomAccess.Read(file, headerBytes.AsSpan(read), read);
                if (n == 0) break;
                read += n;
            }
            var header = WalFileHeader.Read(headerBytes.AsSpan(0, read), path);
            if (!key.IsEmpty)
            {
                if (header.Cipher == WalCipherKind.None)
                    throw new WalKeyException($"The log '{path}' is not encrypted, but a key was given.");
                cipher = new WalCipher(header.Cipher, key.Span);
                if (!WalFileHeader.KeyMatches(headerBytes, cipher))
                    throw new WalKeyException($"The key does not open the log '{path}' (it is encrypted with {header.Cipher}).");
            }
            return new WalInspector(path, file, header, cipher, length);
        }
        catch
        {
            cipher?.Dispose();
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads every record's header and checks its checksums (not the authentication tags: see
    /// <see cref="ReadPayload"/>), and that each origin's sequences continue without a gap from its compaction floor.
    /// </summary>
    /// <param name="progress">Told the bytes read so far, about every megabyte.</param>
    /// <param name="cancellationToken">Stops the scan.</param>
    public WalScanReport Scan(IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var window = new FileWindow(_file, Length, Path);
        var records = new List<WalRecordInfo>();
        var problems = new List<InspectionProblem>();
        var last = new Dictionary<NodeId, ulong>();
        CompactedBase? compactedBase = null;
        long offset = WalFileHeader.Size, reported = 0;
        while (offset < Length)
        {
            if (offset - reported >= 1 << 20)
            {
                cancellationToken.ThrowIfCancellationRequested();
                progress?.Report(offset);
                reported = offset;
            }
            string? damage = Check(window, offset, out var header);
            if (damage is not null)
            {
                long next = FindNextIntact(window, offset + 1);
                string where = next >= 0
                    ? $"intact records resume at byte {next}"
                    : "no intact record follows" + (offset >= SealedLength ? " (a torn tail, if a crash interrupted the last write; the engine's next open cuts it)" : "");
                problems.Add(new InspectionProblem(Path, offset, $"{damage}; {where}"));
                if (next < 0) break;
                offset = next;
                continue;
            }
            if (header.Kind == WalRecordKind.Base)
            {
                if (records.Count > 0 || compactedBase is not null)
                    problems.Add(new InspectionProblem(Path, offset, "a base record appears after the first record"));
                else if (TryReadBase(window, offset, header, out var walBase, out string? problem))
                {
                    compactedBase = new CompactedBase(walBase!.Floors.Clone(), walBase.Horizon, walBase.Snapshot);
                    foreach (var (origin, floor) in walBase.Floors) last[origin] = floor;
                }
                else if (problem is not null) problems.Add(new InspectionProblem(Path, offset, problem));
            }
            else
            {
                ulong expected = last.GetValueOrDefault(header.Origin) + 1;
                if (header.Sequence != expected)
                    problems.Add(new InspectionProblem(Path, offset,
                        $"event {header.Origin}#{header.Sequence} does not continue its origin's sequence (expected #{expected})"));
                if (header.Sequence > last.GetValueOrDefault(header.Origin)) last[header.Origin] = header.Sequence;
            }
            records.Add(Describe(offset, header));
            offset += header.RecordLength;
        }
        progress?.Report(Length);
        var known = new VersionVector();
        foreach (var (origin, sequence) in last) known.Advance(origin, sequence);
        return new WalScanReport(records, problems, compactedBase, known, Length);
    }

    /// <summary>
    /// An event's payload (decrypted and authenticated when the log is encrypted), or null with
    /// <paramref name="problem"/> saying why it cannot be read (its checksum or authentication tag fails, or the log
    /// is encrypted and no key was given).
    /// </summary>
    public byte[]? ReadPayload(WalRecordInfo record, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!CanReadPayloads)
        {
            problem = $"the log is encrypted ({Cipher}) and no key was given";
            return null;
        }
        var bytes = new byte[record.Length];
        int read = 0;
        while (read < bytes.Length)
        {
            int n = RandomAccess.Read(_file, bytes.AsSpan(read), record.Offset + read);
            if (n == 0)
            {
                problem = "the file ends inside the record";
                return null;
            }
            read += n;
        }
        if (!WalRecord.TryReadHeader(bytes, out var header) || header.RecordLength != record.Length || !WalRecord.BodyChecksumMatches(bytes, header.BodyLength))
        {
            problem = "the record no longer passes its checksums";
            return null;
        }
        try
        {
            problem = null;
            return WalRecord.OpenBody(bytes, header, _cipher, Path, record.Offset).ToArray();
        }
        catch (WalCorruptionException ex)
        {
            problem = ex.Reason;
            return null;
        }
    }

    /// <summary>
    /// The state snapshot a compacted log's base record starts from (what the engine reads into the state before the
    /// events that follow), or null with <paramref name="problem"/> saying why it cannot be read.
    /// </summary>
    public byte[]? ReadBaseState(WalRecordInfo record, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Type != WalRecordType.Base) throw new ArgumentException("Not a base record.", nameof(record));
        if (ReadPayload(record, out problem) is not { } body) return null;
        if (Wal.WalBase.TryDecode(body) is not { } decoded)
        {
            problem = "the base record's body cannot be decoded";
            return null;
        }
        return decoded.Snapshot;
    }

    /// <summary>
    /// What the engine's open would do with this log, without doing it: null when it opens as it is; otherwise the
    /// torn tail it would cut, or why it would refuse to open (damage a crash cannot explain).
    /// </summary>
    /// <remarks>Needs the key for a compacted encrypted log (its base record is sealed); without it, says so.</remarks>
    public string? PreviewRecovery()
    {
        if (!CanReadPayloads) return null;
        try
        {
            var scan = new WalScanner(_file, Length, Path, _header.SealedLength, _cipher).Scan(NodeId);
            return scan.TruncatedAt < 0 ? null
                : string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"the engine's next open cuts a torn tail of {Length - scan.TruncatedAt} bytes at byte {scan.TruncatedAt} (an interrupted write)");
        }
        catch (WalCorruptionException ex)
        {
            return "the engine refuses to open this log: " + ex.Message;
        }
    }

    private WalRecordInfo Describe(long offset, in WalRecordHeader h)
    {
        var type = h.Kind == WalRecordKind.Base ? WalRecordType.Base : WalRecordType.Event;
        // Every body of an encrypted log is sealed: nonce, ciphertext, tag.
        int payload = _header.Cipher == WalCipherKind.None ? h.BodyLength : Math.Max(0, h.BodyLength - WalCipher.Overhead);
        return new WalRecordInfo(offset, h.RecordLength, type, h.Origin, h.Sequence, h.Hlc, h.EventType, h.Batch,
            (h.Flags & WalRecordFlags.Quarantined) != 0, payload);
    }

    private bool TryReadBase(FileWindow window, long offset, in WalRecordHeader header, out WalBase? walBase, out string? problem)
    {
        walBase = null;
        problem = null;
        if (!CanReadPayloads) return false; // sealed: the floors stay unknown without the key
        var raw = window.Read(offset, header.RecordLength).ToArray();
        ReadOnlyMemory<byte> body;
        try
        {
            body = WalRecord.OpenBody(raw, header, _cipher, Path, offset);
        }
        catch (WalCorruptionException ex)
        {
            problem = "the base record is unreadable: " + ex.Reason;
            return false;
        }
        walBase = WalBase.TryDecode(body.Span);
        if (walBase is null) problem = "the base record of a compacted log is malformed";
        return walBase is not null;
    }

    /// <summary>Why the record at <paramref name="offset"/> is not intact, or null (with its header) when it is.</summary>
    private static string? Check(FileWindow window, long offset, out WalRecordHeader header)
    {
        header = default;
        long remaining = window.Length - offset;
        if (remaining < WalRecord.HeaderSize) return "the file ends inside a record header";
        if (!WalRecord.TryReadHeader(window.Read(offset, WalRecord.HeaderSize), out header)) return "a record header fails its magic or checksum";
        long recordLength = (long)WalRecord.Overhead + header.BodyLength;
        if (recordLength > remaining) return $"a record claims {header.BodyLength} bytes but the file ends first";
        if (recordLength > Array.MaxLength) return $"a record claims {header.BodyLength} bytes, more than one record can hold";
        return WalRecord.BodyChecksumMatches(window.Read(offset, header.RecordLength), header.BodyLength) ? null : "a record body fails its checksum";
    }

    /// <summary>The next offset at or after <paramref name="from"/> where an intact record starts, or -1.</summary>
    private static long FindNextIntact(FileWindow window, long from)
    {
        Span<byte> magic = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(magic, WalRecord.Magic);
        const int chunk = 1 << 16;
        for (long position = from; position < window.Length - 3;)
        {
            int count = (int)Math.Min(chunk, window.Length - position);
            int found = window.Read(position, count).IndexOf(magic);
            if (found < 0)
            {
                position += Math.Max(1, count - 3);
                continue;
            }
            long candidate = position + found;
            if (Check(window, candidate, out _) is null) return candidate;
            position = candidate + 1;
        }
        return -1;
    }

    /// <summary>Closes the file.</summary>
    public void Dispose()
    {
        _file.Dispose();
        _cipher?.Dispose();
    }
}

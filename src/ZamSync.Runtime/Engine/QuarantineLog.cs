using System.Text.Json;

namespace ZamSync;

/// <summary>A replicated event the local validator refused.</summary>
public sealed record QuarantinedEvent(NodeId Origin, ulong Sequence, uint EventType, NodeId ReceivedFrom, string Reason);

/// <summary>
/// Why events were quarantined, in <c>quarantine.log</c> (JSON lines). The quarantine flag itself lives in
/// the log record, so a lost reason never un-quarantines an event; this file only explains.
/// </summary>
internal sealed class QuarantineLog
{
    public const string FileName = "quarantine.log";
    private readonly string _path;
    private readonly Lock _gate = new();
    private readonly List<QuarantinedEvent> _entries = new();

    public QuarantineLog(string directory)
    {
        _path = Path.Combine(directory, FileName);
        if (!File.Exists(_path)) return;
        foreach (var line in File.ReadLines(_path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                var entry = JsonSerializer.Deserialize(line, QuarantineJson.Default.Entry);
                if (entry is not null) _entries.Add(entry.ToEvent());
            }
            catch (JsonException)
            {
                // A torn last line after a crash: the reason is lost, the flag in the log is not.
            }
        }
    }

    /// <summary>Whether one line of the file is an entry this reader takes (for read-only checks of the file).</summary>
    internal static bool IsReadableLine(ReadOnlySpan<byte> line)
    {
        try
        {
            return JsonSerializer.Deserialize(line, QuarantineJson.Default.Entry) is not null;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    public IReadOnlyList<QuarantinedEvent> Entries
    {
        get { lock (_gate) return _entries.ToArray(); }
    }

    /// <summary>The file's bytes between appends (for a backup of a running node); null when nothing was quarantined.</summary>
    public byte[]? ReadAllBytes()
    {
        lock (_gate) return File.Exists(_path) ? File.ReadAllBytes(_path) : null;
    }

    public void Add(IReadOnlyList<QuarantinedEvent> events)
    {
        lock (_gate)
        {
            using var stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read);
            foreach (var e in events)
            {
                var line = JsonSerializer.SerializeToUtf8Bytes(QuarantineEntry.FromEvent(e), QuarantineJson.Default.Entry);
                stream.Write(line);
                stream.WriteByte((byte)'\n');
            }
            stream.Flush(flushToDisk: true);
            _entries.AddRange(events);
        }
    }
}

internal sealed record QuarantineEntry(ulong Origin, ulong Sequence, uint EventType, ulong From, string Reason)
{
    public static QuarantineEntry FromEvent(QuarantinedEvent e) => new(e.Origin.Value, e.Sequence, e.EventType, e.ReceivedFrom.Value, e.Reason);
    public QuarantinedEvent ToEvent() => new(new NodeId(Origin), Sequence, EventType, new NodeId(From), Reason);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(QuarantineEntry), TypeInfoPropertyName = "Entry")]
internal sealed partial class QuarantineJson : System.Text.Json.Serialization.JsonSerializerContext;

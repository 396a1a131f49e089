using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ZamSync.Backup;

/// <summary>
/// What a backup holds (docs/operations.md, "Backup and restore"): the node, how the copy was taken, what its log
/// holds, the contract, and every file with its size, mode and SHA-256. It travels inside the backup as
/// <c>manifest.json</c>, itself checked by <c>manifest.sha256</c>.
/// </summary>
public sealed record BackupManifest
{
    /// <summary>The format this build writes and reads.</summary>
    public const string CurrentFormat = "zamsync-backup/1";

    public string Format { get; init; } = CurrentFormat;

    /// <summary>The node whose directory this is.</summary>
    public required NodeId Node { get; init; }

    /// <summary>When the copy was taken (UTC).</summary>
    public required DateTimeOffset Created { get; init; }

    /// <summary>The directory it was taken from.</summary>
    public required string Source { get; init; }

    /// <summary><c>engine</c> (from the running node, commits paused while the copy was fixed) or <c>stopped</c> (from a stopped node's directory, its lock held).</summary>
    public required string TakenFrom { get; init; }

    /// <summary>The log's cipher; an encrypted log needs its key, which a backup holds only if it lives in the directory.</summary>
    public required Wal.WalCipherKind Cipher { get; init; }

    /// <summary>What the backed-up log holds (for a stopped node: what its header-and-records scan found).</summary>
    public required VersionVector Known { get; init; }

    /// <summary>The contract fingerprint (the running engine's, or the one <c>state.snapshot</c> was folded under); empty when unknown.</summary>
    public string ContractFingerprint { get; init; } = "";

    /// <summary>The running engine's canonical contract schema; empty when taken from a stopped node.</summary>
    public string ContractSchema { get; init; } = "";

    /// <summary>Every directory (relative, '/'-separated) with its mode, parents first.</summary>
    public IReadOnlyList<BackupDirectory> Directories { get; init; } = [];

    /// <summary>Every file (relative, '/'-separated) in archive order.</summary>
    public IReadOnlyList<BackupFile> Files { get; init; } = [];

    /// <summary>The sum of the files' sizes.</summary>
    public long TotalBytes => Files.Sum(f => f.Bytes);

    internal byte[] Encode()
    {
        var known = new JsonObject();
        foreach (var (origin, seq) in Known.OrderBy(p => p.Key.Value)) known[origin.ToString()] = seq;
        var root = new JsonObject
        {
            ["format"] = Format,
            ["node"] = Node.ToString(),
            ["created"] = Created.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            ["source"] = Source,
            ["takenFrom"] = TakenFrom,
            ["cipher"] = Cipher.ToString(),
            ["known"] = known,
            ["contractFingerprint"] = ContractFingerprint,
            ["contractSchema"] = ContractSchema,
            ["directories"] = new JsonArray(Directories.Select(d => (JsonNode)new JsonObject
            {
                ["path"] = d.Path, ["mode"] = Octal(d.Mode),
            }).ToArray()),
            ["files"] = new JsonArray(Files.Select(f => (JsonNode)new JsonObject
            {
                ["path"] = f.Path, ["bytes"] = f.Bytes, ["mode"] = Octal(f.Mode), ["sha256"] = f.Sha256,
            }).ToArray()),
        };
        // Written by the node itself rather than through JsonSerializer, whose reflection trimming and AOT cannot keep.
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true })) root.WriteTo(writer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <exception cref="FormatException">Not a manifest this build reads (the message says what is wrong).</exception>
    internal static BackupManifest Decode(ReadOnlySpan<byte> bytes)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(bytes) as JsonObject ?? throw new FormatException("manifest.json is not a JSON object");
        }
        catch (JsonException ex)
        {
            throw new FormatException($"manifest.json is not valid JSON ({ex.Message})");
        }
        string format = Text(root, "format");
        if (format != CurrentFormat) throw new FormatException($"manifest.json has format '{format}', and this build reads '{CurrentFormat}'");
        var known = new VersionVector();
        if (root["known"] is JsonObject vector)
            foreach (var (origin, seq) in vector) known.Advance(new NodeId(ulong.Parse(origin, NumberStyles.None, CultureInfo.InvariantCulture)), seq!.GetValue<ulong>());
        return new BackupManifest
        {
            Format = format,
            Node = new NodeId(ulong.Parse(Text(root, "node"), NumberStyles.None, CultureInfo.InvariantCulture)),
            Created = DateTimeOffset.Parse(Text(root, "created"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
            Source = Text(root, "source"),
            TakenFrom = Text(root, "takenFrom"),
            Cipher = Enum.Parse<Wal.WalCipherKind>(Text(root, "cipher")),
            Known = known,
            ContractFingerprint = Text(root, "contractFingerprint"),
            ContractSchema = Text(root, "contractSchema"),
            Directories = (root["directories"] as JsonArray ?? []).Select(d => new BackupDirectory(Text(d!, "path"), ParseMode(Text(d!, "mode")))).ToList(),
            Files = (root["files"] as JsonArray ?? []).Select(f => new BackupFile(Text(f!, "path"), f!["bytes"]!.GetValue<long>(),
                ParseMode(Text(f!, "mode")), Text(f!, "sha256"))).ToList(),
        };
    }

    private static string Text(JsonNode node, string name) =>
        node[name] is JsonValue v && v.TryGetValue(out string? text) ? text : throw new FormatException($"manifest.json lacks \"{name}\"");

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');

    private static UnixFileMode ParseMode(string text) => (UnixFileMode)Convert.ToInt32(text, 8);
}

/// <summary>One file of a backup: its path relative to the data directory ('/'-separated), size, Unix mode and SHA-256 (lower-case hex).</summary>
public sealed record BackupFile(string Path, long Bytes, UnixFileMode Mode, string Sha256);

/// <summary>One directory of a backup, relative to the data directory, with its Unix mode (<c>tls/</c> is 0700).</summary>
public sealed record BackupDirectory(string Path, UnixFileMode Mode);

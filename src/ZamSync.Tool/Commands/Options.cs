using System.CommandLine;
using System.Globalization;

namespace ZamSync.Tool.Commands;

/// <summary>
/// Options several commands share, and values parsed culture-invariantly with a message naming the option and the
/// value (System.CommandLine's own names a .NET type, which tells an operator nothing).
/// </summary>
internal static class Options
{
    private delegate bool TryParse<T>(string text, out T value);

    public static Option<string> Dir() =>
        new("--dir", "-d") { Description = "The node's data directory (the node must be stopped)", Required = true };

    public static Option<string?> Key() =>
        new("--key") { Description = "The log's data key file, for an encrypted log (raw 32 bytes, 64 hex digits or base64)" };

    public static Option<bool> Json() =>
        new("--json") { Description = "Print one JSON object (for scripts); no progress bars" };

    /// <summary>A node id: a whole number above zero.</summary>
    public static Option<ulong?> NodeId(string name, string description) =>
        Create<ulong?>(name, description, "a node id (a whole number above 0)", (string text, out ulong? id) =>
        {
            bool ok = ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong value) && value > 0;
            id = ok ? value : null;
            return ok;
        });

    /// <summary>A count from 1 up.</summary>
    public static Option<int?> Count(string name, string description) =>
        Create<int?>(name, description, "a whole number above 0", (string text, out int? count) =>
        {
            bool ok = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value > 0;
            count = ok ? value : null;
            return ok;
        });

    /// <summary>An instant in ISO 8601 (<c>2026-12-03</c>, <c>2026-12-03T08:30:00Z</c>, with an offset); without an offset it is UTC.</summary>
    public static Option<DateTimeOffset?> Instant(string name, string description) =>
        Create<DateTimeOffset?>(name, description, "a date or time in ISO 8601, such as 2026-12-03 or 2026-12-03T08:30:00Z", (string text, out DateTimeOffset? instant) =>
        {
            string[] formats = ["yyyy-MM-dd", "yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm:ss.FFFFFFF",
                "yyyy-MM-ddTHH:mmK", "yyyy-MM-ddTHH:mm:ssK", "yyyy-MM-ddTHH:mm:ss.FFFFFFFK"];
            bool ok = DateTimeOffset.TryParseExact(text, formats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value);
            instant = ok ? value : null;
            return ok;
        });

    private static Option<T> Create<T>(string name, string description, string expected, TryParse<T> parse) =>
        new(name)
        {
            Description = description,
            CustomParser = result =>
            {
                string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
                if (parse(text.Trim(), out T value)) return value;
                result.AddError($"{name}: expected {expected}, got '{text}'.");
                return default!;
            },
        };
}

using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Clinic.Commands;

/// <summary>
/// Byte counts and intervals as operators type them (<c>2MB</c>, <c>200k</c>, <c>10m</c>, <c>00:10:00</c>), parsed
/// culture-invariantly; a bare number of minutes or days is refused rather than guessed.
/// </summary>
public static class Quantities
{
    // Decimal units: metered links are billed in kB and MB of 1000; KiB and MiB are there for those who mean 1024.
    private static readonly (string Suffix, long Factor)[] ByteUnits =
    [
        ("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30),
        ("kB", 1_000), ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000),
        ("k", 1_000), ("K", 1_000), ("M", 1_000_000), ("G", 1_000_000_000), ("B", 1),
    ];

    private static readonly (string Suffix, long Milliseconds)[] TimeUnits =
        [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)];

    /// <summary>A positive byte count: digits with an optional unit (B, k/kB, M/MB, G/GB, KiB, MiB, GiB).</summary>
    public static bool TryParseBytes(string text, out long bytes, out string error)
    {
        bytes = 0;
        string trimmed = text.Trim();
        long factor = 1;
        foreach (var (suffix, f) in ByteUnits)
            if (trimmed.EndsWith(suffix, StringComparison.Ordinal))
            {
                (trimmed, factor) = (trimmed[..^suffix.Length].TrimEnd(), f);
                break;
            }
        if (!long.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out long count) || count > long.MaxValue / factor)
        {
            error = $"'{text}' is not a byte count (write e.g. 200000, 200k or 2MB)";
            return false;
        }
        bytes = count * factor;
        error = bytes > 0 ? "" : $"'{text}' must be more than 0 bytes";
        return bytes > 0;
    }

    /// <summary>A positive interval: a number with a unit (ms, s, m, h, d) or <c>hh:mm:ss</c>.</summary>
    public static bool TryParseInterval(string text, out TimeSpan interval, out string error)
    {
        interval = default;
        string trimmed = text.Trim();
        bool parsed = false;
        if (trimmed.Contains(':'))
            parsed = TimeSpan.TryParseExact(trimmed, "c", CultureInfo.InvariantCulture, out interval);
        else
            foreach (var (suffix, ms) in TimeUnits.OrderByDescending(u => u.Suffix.Length))
                if (trimmed.EndsWith(suffix, StringComparison.Ordinal)
                    && double.TryParse(trimmed[..^suffix.Length], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double n)
                    && n * ms < TimeSpan.MaxValue.TotalMilliseconds)
                {
                    (interval, parsed) = (TimeSpan.FromMilliseconds(n * ms), true);
                    break;
                }
        if (!parsed)
        {
            error = $"'{text}' is not an interval (write it with a unit, e.g. 30s, 10m, 1h, or as hh:mm:ss)";
            return false;
        }
        error = interval > TimeSpan.Zero ? "" : $"'{text}' must be longer than zero";
        return interval > TimeSpan.Zero;
    }

    /// <summary>An interval the way it is written on the command line: <c>30s</c>, <c>10m</c>, <c>1h</c>, else <c>hh:mm:ss</c>.</summary>
    public static string Describe(TimeSpan interval) => interval switch
    {
        { TotalHours: >= 1 } when interval.Ticks % TimeSpan.TicksPerHour == 0 => $"{(long)interval.TotalHours}h",
        { TotalMinutes: >= 1 } when interval.Ticks % TimeSpan.TicksPerMinute == 0 => $"{(long)interval.TotalMinutes}m",
        _ when interval.Ticks % TimeSpan.TicksPerSecond == 0 && interval < TimeSpan.FromMinutes(1) => $"{(long)interval.TotalSeconds}s",
        _ => interval.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
    };

    public static long? ParseBytesOption(ArgumentResult result) =>
        Parse(result, (string t, out long v, out string e) => TryParseBytes(t, out v, out e));

    public static TimeSpan? ParseIntervalOption(ArgumentResult result) =>
        Parse(result, (string t, out TimeSpan v, out string e) => TryParseInterval(t, out v, out e));

    private delegate bool TryParse<T>(string text, out T value, out string error);

    private static T? Parse<T>(ArgumentResult result, TryParse<T> parse) where T : struct
    {
        if (result.Tokens.Count == 0) return null;
        string text = result.Tokens[0].Value;
        if (parse(text, out var value, out string error)) return value;
        var option = (result.Parent as OptionResult)?.Option.Name ?? "value";
        result.AddError($"{option}: {error}.");
        return null;
    }
}

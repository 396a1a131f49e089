using System.Globalization;

namespace ZamSync.Tool.Output;

/// <summary>How numbers and times are printed: culture-invariant, times in ISO 8601 UTC.</summary>
internal static class Formats
{
    /// <summary>An HLC stamp's wall-clock part as ISO 8601 UTC with milliseconds (<c>2026-12-03T08:30:00.123Z</c>).</summary>
    public static string Time(Hlc hlc) => Time(hlc.Physical);

    public static string Time(long unixMilliseconds)
    {
        // A stamp outside what a date can show (a damaged or hostile peer's) still prints, as its raw number.
        if (unixMilliseconds < -62135596800000L || unixMilliseconds > 253402300799999L)
            return unixMilliseconds.ToString(CultureInfo.InvariantCulture) + "ms";
        return DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
    }

    /// <summary>A whole number with thousands separators, for people (<c>12,345</c>).</summary>
    public static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string N(ulong value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string I(long value) => value.ToString(CultureInfo.InvariantCulture);
}

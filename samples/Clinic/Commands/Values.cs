using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Clinic.Commands;

/// <summary>
/// Options whose values are numbers, ids, dates and names, parsed culture-invariantly with a message that names the
/// option and the value. (System.CommandLine's own message names a .NET type, such as <c>System.UInt64</c>, which
/// tells an operator nothing; and a culture's parsing reads <c>37,5</c> as 375 and <c>02/04/1990</c> month first.)
/// </summary>
internal static class Values
{
    private delegate bool TryParse<T>(string text, out T value);

    /// <summary>A node id: a whole number above zero.</summary>
    public static Option<ulong> NodeId(string name, string description) =>
        Create(name, description, "a node id (a whole number above 0)", (string text, out ulong id) =>
            ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id) && id > 0);

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static Option<int> Whole(string name, string description, int min, int max) =>
        Create(name, description, $"a whole number from {min} to {max}", (string text, out int n) =>
            int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out n) && n >= min && n <= max);

    /// <summary>A number written with a decimal point (<c>37.5</c>), from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static Option<decimal> Decimal(string name, string description, decimal min, decimal max, string example) =>
        Create(name, description, $"a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)} written with a point, such as {example}",
            // No thousands separators: "37,5" must be refused, not read as 375.
            (string text, out decimal n) =>
                decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out n) && n >= min && n <= max);

    /// <summary>A date written yyyy-mm-dd (ISO 8601) that is not in the future by <paramref name="clock"/>.</summary>
    public static Option<DateOnly> PastDate(string name, string description, TimeProvider clock) =>
        Create(name, description, "a date written yyyy-mm-dd, such as 1990-04-02, and not in the future", (string text, out DateOnly date) =>
            DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date)
            && date <= DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime) && date.Year >= 1880);

    /// <summary>Text that may not be blank (an id, a name, a reason); surrounding spaces are dropped.</summary>
    public static Option<string> NonBlank(string name, string description) =>
        Create(name, description, "a value that is not blank", (string text, out string value) =>
            (value = text.Trim()).Length > 0);

    private static Option<T> Create<T>(string name, string description, string expected, TryParse<T> parse) =>
        new(name)
        {
            Description = description,
            Required = true,
            CustomParser = result =>
            {
                string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
                if (parse(text.Trim(), out T value)) return value;
                result.AddError($"{name}: expected {expected}, got '{text}'.");
                return default!;
            },
        };
}

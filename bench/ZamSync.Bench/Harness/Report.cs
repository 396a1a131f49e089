using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ZamSync.Bench.Harness;

/// <summary>The table on stdout and the JSON file.</summary>
internal static class Report
{
    public static string Table(IReadOnlyList<BenchResult> results)
    {
        string[] headers = ["benchmark", "value", "unit", "baseline", "ratio", "target"];
        var rows = results.Select(r => new[]
        {
            r.Name,
            Format(r.Value),
            r.Unit,
            r.Baseline is { } b ? Format(b) : "-",
            r.Ratio is { } q ? q.ToString("P1", CultureInfo.InvariantCulture) : "-",
            r.Target ?? "",
        }).ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        bool[] right = [false, true, false, true, true, false];
        var sb = new StringBuilder();
        void Line(string[] cells)
        {
            for (int i = 0; i < cells.Length; i++)
            {
                if (i > 0) sb.Append(" | ");
                sb.Append(right[i] ? cells[i].PadLeft(widths[i]) : cells[i].PadRight(widths[i]));
            }
            sb.Append('\n');
        }
        Line(headers);
        sb.Append(string.Join("-+-", widths.Select(w => new string('-', w)))).Append('\n');
        foreach (var row in rows) Line(row);
        return sb.ToString();
    }

    private static string Format(double value) =>
        Math.Abs(value) >= 1000 ? value.ToString("N0", CultureInfo.InvariantCulture)
        : Math.Abs(value) >= 10 ? value.ToString("N1", CultureInfo.InvariantCulture)
        : value.ToString("N3", CultureInfo.InvariantCulture);

    /// <summary>A JSON array of <c>{ name, value, unit, baseline, ratio }</c>; baseline and ratio are null where there is no baseline.</summary>
    public static void WriteJson(string path, IReadOnlyList<BenchResult> results)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        json.WriteStartArray();
        foreach (var r in results)
        {
            json.WriteStartObject();
            json.WriteString("name", r.Name);
            WriteNumber(json, "value", r.Value);
            json.WriteString("unit", r.Unit);
            WriteNumber(json, "baseline", r.Baseline);
            WriteNumber(json, "ratio", r.Ratio);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteNumber(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v)) json.WriteNumber(name, Math.Round(v, 6));
        else json.WriteNull(name);
    }
}

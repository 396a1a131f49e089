namespace ZamSync.Tool.Output;

/// <summary>Plain aligned columns: readable on a terminal, in a pipe and in a CI log alike (no box drawing, no wrapping).</summary>
internal static class Table
{
    public static void Write(TextWriter output, string[] headers, IEnumerable<string[]> rows, string empty)
    {
        var all = rows.ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, all.Count == 0 ? 0 : all.Max(r => r[i].Length))).ToArray();
        output.WriteLine(Line(headers, widths).TrimEnd());
        if (all.Count == 0) output.WriteLine("  " + empty);
        foreach (var row in all) output.WriteLine(Line(row, widths).TrimEnd());
    }

    private static string Line(string[] cells, int[] widths) =>
        string.Join("  ", cells.Select((c, i) => c.PadRight(widths[i])));
}

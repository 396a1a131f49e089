namespace ZamSync.Bench.Harness.HubProcess;

/// <summary>
/// The hub process's answers: one line each, <c>zamsync-hub VERB key=value ...</c> on stdout. The prefix keeps
/// them apart from anything else the process might print.
/// </summary>
internal static class HubProtocol
{
    public const string Prefix = "zamsync-hub ";

    public static void Write(string verb, params (string Key, string Value)[] fields)
    {
        Console.Out.WriteLine(Prefix + verb + string.Concat(fields.Select(f => " " + f.Key + "=" + f.Value)));
        Console.Out.Flush();
    }

    /// <summary>Parses a line written by <see cref="Write"/>; false for any other line.</summary>
    public static bool TryParse(string line, out string verb, out IReadOnlyDictionary<string, string> fields)
    {
        verb = "";
        fields = new Dictionary<string, string>();
        if (!line.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        var parts = line[Prefix.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        verb = parts[0];
        fields = parts.Skip(1).Select(p => p.Split('=', 2)).Where(kv => kv.Length == 2).ToDictionary(kv => kv[0], kv => kv[1]);
        return true;
    }
}

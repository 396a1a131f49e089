using System.Globalization;

namespace ZamSync.Sync;

/// <summary>
/// Decides whether two contracts can share events. Events are written by slot in MemoryPack's version-tolerant
/// layout, so a reader skips slots it does not know and defaults slots it lacks, and a node stores (without
/// applying) event types it does not know. The one thing that breaks is the same slot of the same event id
/// holding different types on the two sides.
/// </summary>
public static class ContractCompatibility
{
    /// <summary>
    /// The differences that make <paramref name="local"/> and <paramref name="remote"/> incompatible; empty when
    /// they can sync. Schemas are the generator's canonical text (<c>ZamContracts.Schema</c>).
    /// </summary>
    public static IReadOnlyList<string> Differences(string local, string remote)
    {
        var ours = Parse(local);
        var theirs = Parse(remote);
        var differences = new List<string>();
        foreach (var (id, mine) in ours.OrderBy(e => e.Key))
        {
            if (!theirs.TryGetValue(id, out var other)) continue;
            foreach (var (slot, (name, type)) in mine.Slots.OrderBy(s => s.Key))
            {
                if (other.Slots.TryGetValue(slot, out var their) && !string.Equals(type, their.Type, StringComparison.Ordinal))
                    differences.Add($"event {id} ({mine.Name}) slot {slot} ({name}) is {type} here but {their.Type} there ({their.Name})");
            }
        }
        return differences;
    }

    /// <summary>The event type ids a schema declares.</summary>
    internal static IReadOnlySet<uint> EventTypes(string schema) => Parse(schema).Keys.ToHashSet();

    private sealed record EventSchema(string Name, Dictionary<int, (string Name, string Type)> Slots);

    // One line per event: "<id> <Name> { <slot> <name>: <type>; ... }"; the first line is a header.
    private static Dictionary<uint, EventSchema> Parse(string schema)
    {
        var events = new Dictionary<uint, EventSchema>();
        foreach (var raw in schema.Split('\n'))
        {
            string line = raw.Trim();
            int open = line.IndexOf('{', StringComparison.Ordinal), close = line.LastIndexOf('}');
            if (open < 0 || close < open) continue;
            var head = line[..open].Trim().Split(' ', 2);
            if (head.Length != 2 || !uint.TryParse(head[0], NumberStyles.None, CultureInfo.InvariantCulture, out uint id))
                throw new FormatException($"Not a contract schema line: '{line}'.");
            var slots = new Dictionary<int, (string, string)>();
            foreach (var member in line[(open + 1)..close].Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var parts = member.Split(' ', 2);
                int colon = parts.Length == 2 ? parts[1].IndexOf(": ", StringComparison.Ordinal) : -1;
                if (colon < 0 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int slot))
                    throw new FormatException($"Not a contract schema member: '{member}'.");
                slots[slot] = (parts[1][..colon], parts[1][(colon + 2)..]);
            }
            events[id] = new EventSchema(head[1], slots);
        }
        return events;
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using ZamSync.Generators.Model;

namespace ZamSync.Generators.Manifest;

/// <summary>One slot recorded in the manifest (a retired slot may have lost its name and type: empty strings).</summary>
public sealed record ManifestSlot(int Slot, string Name, string Type, bool Retired, int Line);

/// <summary>One event id recorded in the manifest, live or retired.</summary>
public sealed record ManifestEvent(uint Id, string TypeName, bool Retired, EquatableArray<ManifestSlot> Slots, int Line);

/// <summary>A problem reading the manifest: its 1-based line and what is wrong.</summary>
public sealed record ManifestError(int Line, string Message);

/// <summary>
/// The committed contract manifest (<c>zamsync.contract.txt</c>, an AdditionalFile): the history the compiler cannot
/// see. Line based, sorted by id then slot, so a change is a one-line diff:
/// <code>
/// zamsync-manifest 1
/// event 1 Clinic.PatientRegistered
///   slot 0 PatientId: string
///   retired-slot 3 Notes: string
/// retired-event 9 Clinic.OldEvent
/// </code>
/// Blank lines and lines starting with '#' are ignored. Type names use the schema spelling (no global::, no
/// reference nullability). Shared by the analyzer (checks) and the generator (the proposed update).
/// </summary>
public sealed class ContractManifest
{
    public const string FileName = "zamsync.contract.txt";
    public const string Header = "zamsync-manifest 1";

    public ContractManifest(IReadOnlyList<ManifestEvent> events, IReadOnlyList<ManifestError> errors)
    {
        Events = events;
        Errors = errors;
    }

    public IReadOnlyList<ManifestEvent> Events { get; }

    public IReadOnlyList<ManifestError> Errors { get; }

    public static bool IsManifestPath(string path) =>
        string.Equals(System.IO.Path.GetFileName(path), FileName, StringComparison.OrdinalIgnoreCase);

    public ManifestEvent? Find(uint id) => Events.FirstOrDefault(e => e.Id == id);

    public static ContractManifest Parse(string text)
    {
        var events = new List<ManifestEvent>();
        var errors = new List<ManifestError>();
        var lines = text.Replace("\r\n", "\n").Split('\n');
        bool sawHeader = false;
        uint currentId = 0;
        string currentType = "";
        int currentLine = 0;
        List<ManifestSlot>? slots = null;

        void Flush()
        {
            if (slots is not null) events.Add(new ManifestEvent(currentId, currentType, false, slots.OrderBy(s => s.Slot).ToEquatableArray(), currentLine));
            slots = null;
        }

        for (int i = 0; i < lines.Length; i++)
        {
            int lineNumber = i + 1;
            string line = lines[i].Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            if (!sawHeader)
            {
                if (line != Header) errors.Add(new ManifestError(lineNumber, $"the first line must be '{Header}'"));
                sawHeader = true;
                if (line == Header) continue;
            }

            string keyword = line.Split(' ')[0];
            string rest = line.Substring(keyword.Length).Trim();
            switch (keyword)
            {
                case "event":
                case "retired-event":
                {
                    Flush();
                    var parts = rest.Split(new[] { ' ' }, 2, StringSplitOptions.RemoveEmptyEntries);
                    if (parts.Length == 0 || !uint.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id == 0 || id > WireIds.MaxId)
                    {
                        errors.Add(new ManifestError(lineNumber, $"'{keyword}' needs an id from 1 to {WireIds.MaxId}"));
                        continue;
                    }
                    string typeName = parts.Length > 1 ? parts[1].Trim() : "";
                    // "event 5 v2 Name": a later version of event 5, keyed by its wire id like everything else.
                    if (typeName.StartsWith("v", StringComparison.Ordinal) && typeName.Split(' ')[0] is { Length: > 1 } versionText
                        && int.TryParse(versionText.Substring(1), NumberStyles.None, CultureInfo.InvariantCulture, out int version))
                    {
                        if (version is < 1 or > WireIds.MaxVersion)
                        {
                            errors.Add(new ManifestError(lineNumber, $"version {version} is outside 1 to {WireIds.MaxVersion}"));
                            continue;
                        }
                        id = WireIds.Of(id, version);
                        typeName = typeName.Substring(versionText.Length).Trim();
                    }
                    if (events.Any(e => e.Id == id) || (slots is not null && currentId == id))
                    {
                        errors.Add(new ManifestError(lineNumber, $"id {WireIds.Display(id)} is recorded twice"));
                        continue;
                    }
                    if (keyword == "retired-event")
                    {
                        events.Add(new ManifestEvent(id, typeName, true, EquatableArray<ManifestSlot>.Empty, lineNumber));
                    }
                    else if (typeName.Length == 0)
                    {
                        errors.Add(new ManifestError(lineNumber, "'event' needs an id and a type name"));
                    }
                    else
                    {
                        currentId = id;
                        currentType = typeName;
                        currentLine = lineNumber;
                        slots = new List<ManifestSlot>();
                    }
                    break;
                }
                case "slot":
                case "retired-slot":
                {
                    if (slots is null)
                    {
                        errors.Add(new ManifestError(lineNumber, $"'{keyword}' must follow an 'event' line"));
                        continue;
                    }
                    bool retired = keyword == "retired-slot";
                    string numberText = rest.Split(' ')[0];
                    string tail = rest.Substring(numberText.Length).Trim();
                    if (!int.TryParse(numberText, NumberStyles.None, CultureInfo.InvariantCulture, out var slot) || slot > 248)
                    {
                        errors.Add(new ManifestError(lineNumber, $"'{keyword}' needs a slot number from 0 to 248"));
                        continue;
                    }
                    string name = "", type = "";
                    int colon = tail.IndexOf(':');
                    if (colon > 0)
                    {
                        name = tail.Substring(0, colon).Trim();
                        type = tail.Substring(colon + 1).Trim();
                    }
                    if (!retired && (name.Length == 0 || type.Length == 0))
                    {
                        errors.Add(new ManifestError(lineNumber, "'slot' needs a number, a member name and a type: 'slot 0 Name: string'"));
                        continue;
                    }
                    if (slots.Any(s => s.Slot == slot))
                    {
                        errors.Add(new ManifestError(lineNumber, $"slot {slot} of id {currentId} is recorded twice"));
                        continue;
                    }
                    slots.Add(new ManifestSlot(slot, name, type, retired, lineNumber));
                    break;
                }
                default:
                    errors.Add(new ManifestError(lineNumber, $"unknown line '{line}'; expected 'event', 'slot', 'retired-slot' or 'retired-event'"));
                    break;
            }
        }
        Flush();
        if (!sawHeader) errors.Add(new ManifestError(1, $"the manifest is empty; its first line must be '{Header}'"));
        return new ContractManifest(events.OrderBy(e => e.Id).ToList(), errors);
    }

    /// <summary>The canonical text: header, events by id (slots by number), retired events in id order among them.</summary>
    public static string Format(IEnumerable<ManifestEvent> events)
    {
        var text = new StringBuilder();
        text.Append("# ZamSync contract manifest: what has shipped. Checked by the ZamSync analyzer (ZS5xxx).\n");
        text.Append("# Update with: dotnet build -p:ZamSyncUpdateManifest=true (see the ZamSync docs, contracts.md)\n");
        text.Append(Header).Append('\n');
        foreach (var e in events.OrderBy(e => WireIds.Id(e.Id)).ThenBy(e => WireIds.Version(e.Id)))
        {
            if (e.Retired)
            {
                text.Append("retired-event ").Append(WireIds.Display(e.Id));
                if (e.TypeName.Length > 0) text.Append(' ').Append(e.TypeName);
                text.Append('\n');
                continue;
            }
            text.Append("event ").Append(WireIds.Display(e.Id)).Append(' ').Append(e.TypeName).Append('\n');
            foreach (var s in e.Slots.OrderBy(s => s.Slot))
            {
                text.Append(s.Retired ? "  retired-slot " : "  slot ").Append(s.Slot.ToString(CultureInfo.InvariantCulture));
                if (s.Name.Length > 0) text.Append(' ').Append(s.Name).Append(": ").Append(s.Type);
                text.Append('\n');
            }
        }
        return text.ToString();
    }

    /// <summary>
    /// The proposed manifest for the current contract: new events and slots are added, renamed members take their
    /// new name, and whatever the code no longer has is retired (never deleted). What the code must not do — an id
    /// moved to another type, a slot's type changed, a retired id or slot used again — is kept as recorded, so the
    /// analyzer keeps reporting it after an update. Without a manifest (<paramref name="existing"/> null) it is the
    /// current contract.
    /// </summary>
    public static string Propose(ContractManifest? existing, IEnumerable<ManifestEvent> current)
    {
        var result = new List<ManifestEvent>();
        var currentById = current.GroupBy(e => e.Id).ToDictionary(g => g.Key, g => g.First());
        var recorded = existing?.Events ?? Array.Empty<ManifestEvent>();
        foreach (var old in recorded)
        {
            if (old.Retired)
            {
                result.Add(old);
                continue;
            }
            if (!currentById.TryGetValue(old.Id, out var now))
            {
                result.Add(old with { Retired = true, Slots = EquatableArray<ManifestSlot>.Empty });
                continue;
            }
            if (!string.Equals(now.TypeName, old.TypeName, StringComparison.Ordinal))
            {
                result.Add(old);
                continue;
            }
            var slots = new List<ManifestSlot>();
            foreach (var s in old.Slots)
            {
                var member = now.Slots.FirstOrDefault(m => m.Slot == s.Slot);
                if (s.Retired || member is null) slots.Add(s with { Retired = true });
                else if (!string.Equals(member.Type, s.Type, StringComparison.Ordinal)) slots.Add(s);
                else slots.Add(member);
            }
            slots.AddRange(now.Slots.Where(m => old.Slots.All(s => s.Slot != m.Slot)));
            result.Add(old with { Slots = slots.OrderBy(s => s.Slot).ToEquatableArray() });
        }
        result.AddRange(currentById.Values.Where(e => recorded.All(r => r.Id != e.Id)));
        return Format(result);
    }
}

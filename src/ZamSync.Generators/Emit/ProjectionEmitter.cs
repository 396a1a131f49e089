using System.Collections.Generic;
using System.Linq;
using System.Text;
using ZamSync.Generators.Model;

namespace ZamSync.Generators.Emit;

/// <summary>
/// Writes the contract's projections (docs/projection.md): per event type a table name, one column per member with its
/// shape, and a decoder that reads a payload with the event's formatter and copies each member into the column values,
/// so <c>zamsync project</c> and <c>audit --contract</c> need no reflection to read a value.
/// </summary>
internal static class ProjectionEmitter
{
    public const string HintName = "ZamSync.Generated.ZamProjections.g.cs";

    /// <summary>The columns every projection table starts with; a member whose name would clash gets <c>member_</c> before it.</summary>
    private static readonly HashSet<string> Reserved = new(System.StringComparer.Ordinal) { "origin", "seq", "hlc", "hlc_time" };

    public static ProjectionModel Model(EventModel model) => new(
        model.Type.Name,
        model.Type.IsValueType,
        model.Members.Select(m =>
        {
            string column = Snake(m.Name);
            return new ProjectionColumnModel(m.Name, Reserved.Contains(column) ? "member_" + column : column, m.Column, m.ColumnCast);
        }).ToEquatableArray());

    public static string Emit(RegistryModel model)
    {
        var entries = model.Entries.Where(e => e.Projection is not null).ToList();
        var tables = TableNames(entries);
        var w = new IndentedWriter();
        Common.Header(w);
        w.Line("[assembly: global::ZamSync.Projection.ZamProjectionsAttribute(typeof(global::ZamSync.Generated.ZamProjections))]");
        w.Line();
        w.Open("namespace ZamSync.Generated");
        w.Line("/// <summary>This assembly's events as SQL tables, for <c>zamsync project</c> and <c>zamsync audit --contract</c>.</summary>");
        w.Line("/// <remarks>");
        w.Line("/// <list type=\"table\">");
        for (int i = 0; i < entries.Count; i++)
        {
            var columns = string.Join(", ", entries[i].Projection!.Columns.Select(c => c.Column + " " + c.Type));
            w.Line($"/// <item><term>{tables[i]}</term><description>{Xml(entries[i].Name)} ({WireIds.Display(entries[i].Id)}): {columns}</description></item>");
        }
        w.Line("/// </list>");
        w.Line("/// </remarks>");
        w.Line(Common.GeneratedCode);
        w.Line(Common.EditorHidden);
        w.Open("internal sealed class ZamProjections : global::ZamSync.Projection.ZamProjectionSet");
        w.Line("public ZamProjections()");
        w.Line("    : base(global::ZamSync.Generated.ZamContracts.Fingerprint, new global::ZamSync.Projection.ZamProjectionTable[]");
        w.Line("    {");
        for (int i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            w.Line($"        new global::ZamSync.Projection.ZamProjectionTable({e.Id}u, {Common.Literal(e.Name)}, {Common.Literal(tables[i])}, new global::ZamSync.Projection.ZamProjectionColumn[]");
            w.Line("        {");
            foreach (var c in e.Projection!.Columns)
                w.Line($"            new global::ZamSync.Projection.ZamProjectionColumn({Common.Literal(c.Column)}, {Common.Literal(c.Member)}, global::ZamSync.Projection.ZamColumnType.{c.Type}),");
            w.Line($"        }}, Read{e.Id}),");
        }
        w.Line("    })");
        w.Line("{");
        w.Line("}");
        foreach (var e in entries)
        {
            w.Line();
            w.Open($"private static void Read{e.Id}(global::System.ReadOnlySpan<byte> payload, global::System.Span<object?> values)");
            var p = e.Projection!;
            if (p.Columns.Count == 0)
            {
                w.Line($"global::MemoryPack.MemoryPackSerializer.Deserialize<{e.TypeName}>(payload);");
            }
            else
            {
                w.Line($"var e = global::MemoryPack.MemoryPackSerializer.Deserialize<{e.TypeName}>(payload);");
                if (!p.IsValueType)
                {
                    // A null object header: no member has a value.
                    w.Open("if (e is null)");
                    w.Line($"values.Slice(0, {p.Columns.Count}).Clear();");
                    w.Line("return;");
                    w.Close();
                }
                for (int i = 0; i < p.Columns.Count; i++)
                {
                    var c = p.Columns[i];
                    string member = "e." + Common.Escape(c.Member);
                    // An enum goes in as its underlying integer (nullable stays nullable), what its column holds.
                    string value = c.Cast.Length == 0 ? member : $"({c.Cast}?){member}";
                    w.Line($"values[{i}] = {value};");
                }
            }
            w.Close();
        }
        w.Close();
        w.Close();
        return w.ToString();
    }

    /// <summary>
    /// <c>snake_case</c> of the type's simple name and <c>_v</c> and its version; where two events would share a name
    /// (the same simple name in two namespaces), both use their full name instead.
    /// </summary>
    private static List<string> TableNames(List<RegistryEntry> entries)
    {
        List<string> Stems(System.Func<RegistryEntry, string> name) =>
            entries.Select(e => Snake(name(e)) + "_v" + WireIds.Version(e.Id).ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var simple = Stems(e => e.Projection!.SimpleName);
        var full = Stems(e => e.Name.Replace('.', '_').Replace('+', '_'));
        return simple.Select((name, i) => simple.Count(n => n == name) > 1 ? full[i] : name).ToList();
    }

    /// <summary><c>PatientId</c> → <c>patient_id</c>, <c>HTTPCode</c> → <c>http_code</c>, <c>Sha256</c> → <c>sha256</c>.</summary>
    internal static string Snake(string name)
    {
        var text = new StringBuilder(name.Length + 8);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                bool afterWord = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]));
                bool endsAcronym = i > 0 && char.IsUpper(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1]);
                if ((afterWord || endsAcronym) && text.Length > 0 && text[text.Length - 1] != '_') text.Append('_');
                text.Append(char.ToLowerInvariant(c));
            }
            else
            {
                text.Append(c);
            }
        }
        return text.ToString();
    }

    private static string Xml(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}

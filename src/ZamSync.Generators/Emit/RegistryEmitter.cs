using System.Linq;
using System.Security.Cryptography;
using System.Text;
using ZamSync.Generators.Manifest;
using ZamSync.Generators.Model;

namespace ZamSync.Generators.Emit;

/// <summary>
/// Writes the assembly's contract registry: id ↔ type ↔ name, the canonical schema text, its SHA-256 fingerprint,
/// and the [ModuleInitializer] that registers every event formatter with MemoryPack.
/// </summary>
internal static class RegistryEmitter
{
    public const string HintName = "ZamSync.Generated.ZamContracts.g.cs";
    public const string SchemaHeader = "zamsync-contract 1";

    public static RegistryEntry Entry(EventModel model)
    {
        var schema = new StringBuilder();
        schema.Append(model.Id).Append(' ').Append(SchemaName(model)).Append(" {");
        foreach (var m in model.Members)
        {
            schema.Append(' ').Append(m.Slot).Append(' ').Append(m.Name).Append(": ").Append(m.SchemaTypeName).Append(';');
        }
        schema.Append(" }");
        var slots = model.Members.Select(m => new ManifestSlot(m.Slot, m.Name, m.SchemaTypeName, false, 0)).ToEquatableArray();
        return new RegistryEntry(model.Id, SchemaName(model), model.Type.FullyQualifiedName, schema.ToString(), slots, ProjectionEmitter.Model(model));
    }

    /// <summary>The event's name in the schema and the manifest: fully qualified, without global::.</summary>
    public static string SchemaName(EventModel model) =>
        model.Type.FullyQualifiedName.StartsWith("global::", System.StringComparison.Ordinal) ? model.Type.FullyQualifiedName.Substring(8) : model.Type.FullyQualifiedName;

    /// <summary>Duplicate ids (reported as ZS2002) would make the registry ambiguous: emit nothing.</summary>
    public static bool CanEmit(RegistryModel model) =>
        model.Entries.Count > 0 && model.Entries.Select(e => e.Id).Distinct().Count() == model.Entries.Count;

    public static string Schema(RegistryModel model) =>
        SchemaHeader + "\n" + string.Join("\n", model.Entries.Select(e => e.Schema)) + "\n";

    public static string Fingerprint(string schema)
    {
        using var sha = SHA256.Create();
        var hash = sha.ComputeHash(Encoding.UTF8.GetBytes(schema));
        var hex = new StringBuilder(hash.Length * 2);
        foreach (var b in hash) hex.Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        return hex.ToString();
    }

    /// <summary>The proposed manifest: the committed one (if any) merged with the current events.</summary>
    public static string Manifest(RegistryModel model) =>
        ContractManifest.Propose(
            model.ManifestText is null ? null : ContractManifest.Parse(model.ManifestText),
            model.Entries.Select(e => new ManifestEvent(e.Id, e.Name, false, e.Slots, 0)));

    public static string Emit(RegistryModel model)
    {
        string schema = Schema(model);
        var w = new IndentedWriter();
        Common.Header(w);
        // The engine reads the contract from this attribute on the state's assembly for its handshakes.
        w.Line("[assembly: global::ZamSync.ZamContractAttribute(global::ZamSync.Generated.ZamContracts.Fingerprint, global::ZamSync.Generated.ZamContracts.Schema)]");
        w.Line();
        w.Open("namespace ZamSync.Generated");
        w.Line("/// <summary>This assembly's ZamSync contract: every event type, its schema and fingerprint.</summary>");
        w.Line(Common.GeneratedCode);
        w.Open("internal static class ZamContracts");
        w.Line("/// <summary>Lowercase hex SHA-256 of the UTF-8 <see cref=\"Schema\"/>: pass it as ZamEngineOptions.ContractFingerprint.</summary>");
        w.Line($"public const string Fingerprint = \"{Fingerprint(schema)}\";");
        w.Line();
        w.Line("/// <summary>The canonical schema: one line per event, sorted by id (id, type, then slot, name and type of each member).</summary>");
        w.Line($"public const string Schema = {Common.Literal(schema)};");
        w.Line();
        w.Line("/// <summary>");
        w.Line($"/// The contract manifest ({ContractManifest.FileName}) for this contract: the committed one with new events and");
        w.Line("/// slots added and removed ones retired. `dotnet build -p:ZamSyncUpdateManifest=true` writes it next to the project.");
        w.Line("/// </summary>");
        w.Line($"public const string Manifest = {Common.Literal(Manifest(model))};");
        w.Line();
        w.Line("/// <summary>Every event type id, ascending.</summary>");
        w.Line("public static global::System.ReadOnlySpan<uint> EventTypeIds => new uint[] { " + string.Join(", ", model.Entries.Select(e => e.Id + "u")) + " };");
        w.Line();
        w.Line("/// <summary>The event type with this id, or null.</summary>");
        w.Open("public static global::System.Type? TypeOf(uint eventTypeId) => eventTypeId switch");
        foreach (var e in model.Entries) w.Line($"{e.Id}u => typeof({e.TypeName}),");
        w.Line("_ => null,");
        w.Close(";");
        w.Line();
        w.Line("/// <summary>The full name of the event type with this id, or null.</summary>");
        w.Open("public static string? NameOf(uint eventTypeId) => eventTypeId switch");
        foreach (var e in model.Entries) w.Line($"{e.Id}u => {Common.Literal(e.Name)},");
        w.Line("_ => null,");
        w.Close(";");
        w.Line();
        w.Line("/// <summary>The id of an event type of this assembly, or null.</summary>");
        w.Open("public static uint? IdOf(global::System.Type type)");
        foreach (var e in model.Entries) w.Line($"if (type == typeof({e.TypeName})) return {e.Id}u;");
        w.Line("return null;");
        w.Close();
        w.Line();
        w.Line("/// <summary>Registers every event formatter with MemoryPack when the assembly loads (no reflection).</summary>");
        w.Line("[global::System.Runtime.CompilerServices.ModuleInitializer]");
        w.Open("internal static void RegisterFormatters()");
        foreach (var e in model.Entries)
        {
            w.Line($"global::MemoryPack.MemoryPackFormatterProvider.Register(new {e.TypeName}.{EventEmitter.FormatterName}());");
        }
        w.Close();
        w.Close();
        w.Close();
        return w.ToString();
    }
}

using System.Reflection;
using Microsoft.CodeAnalysis;
using ZamSync.Generators.Manifest;
using ZamSync.Generators.Tests.Infrastructure;

namespace ZamSync.Generators.Tests;

/// <summary>
/// Event versions and [ZamUpcast]: the wire ids, the generated dispatch running a chain of upcasters, the rules
/// (ZS2001 ranges, ZS2003, ZS2004), and the manifest (a version recorded as "event N vK", a type change accepted as
/// a new version with an upcaster and refused without one).
/// </summary>
public class UpcastTests
{
    private const string Usings = "using System; using System.Collections.Generic; using ZamSync;\n";

    private const string Chain = """
        using System.Collections.Generic;
        using ZamSync;
        namespace Doses
        {
            [ZamEvent(7)] public partial record DoseV1(string Item, int Milligrams);
            [ZamEvent(7, Version = 2)] public partial record DoseV2(string Item, decimal Grams);
            [ZamEvent(7, Version = 3)] public partial record Dose(string Item, decimal Grams, string Route);
            public static class Upcasts
            {
                [ZamUpcast] public static DoseV2 Two(DoseV1 d) => new(d.Item, d.Milligrams / 1000m);
                [ZamUpcast] public static Dose Three(DoseV2 d) => new(d.Item, d.Grams, "oral");
            }
            [ZamState]
            public partial class Doses
            {
                public List<string> Log { get; } = new();
                void Apply(Dose e, EventContext ctx) => Log.Add(e.Item + ":" + e.Grams + ":" + e.Route + "@" + ctx.Sequence);
                public void Reset() => Log.Clear();
            }
            [ZamState]
            public partial class KeepsV2
            {
                public List<string> Log { get; } = new();
                void Apply(DoseV2 e) => Log.Add("v2 " + e.Grams);
                void Apply(Dose e) => Log.Add("v3 " + e.Grams);
                public void Reset() => Log.Clear();
            }
        }
        """;

    private static readonly Lazy<Assembly> Loaded = new(() => TestCompiler.LoadGenerated("Upcasts", Chain));

    private static Type T(string name) => Loaded.Value.GetType(name, throwOnError: true)!;

    private static uint WireId(string type) => (uint)T(type).GetField("EventTypeId")!.GetValue(null)!;

    private static List<string> Fold(string state, params (string Type, object[] Args)[] events)
    {
        var store = (IStateStore)Activator.CreateInstance(T(state))!;
        ulong seq = 0;
        foreach (var (type, args) in events)
        {
            var e = Activator.CreateInstance(T(type), args)!;
            byte[] payload = MemoryPack.MemoryPackSerializer.Serialize(T(type), e);
            store.Apply(new EventEnvelope(new NodeId(1), ++seq, new Hlc(1_000 + (long)seq, 0), WireId(type), payload));
        }
        return (List<string>)store.GetType().GetProperty("Log")!.GetValue(store)!;
    }

    [Fact]
    public void Each_version_has_its_wire_id_with_the_version_in_the_top_byte()
    {
        Assert.Equal(7u, WireId("Doses.DoseV1"));
        Assert.Equal(0x0100_0007u, WireId("Doses.DoseV2"));
        Assert.Equal(0x0200_0007u, WireId("Doses.Dose"));
        Assert.Equal(ZamEventAttribute.WireId(7, 3), WireId("Doses.Dose"));
    }

    [Fact]
    public void A_state_that_handles_the_newest_version_applies_every_older_one_through_the_chain_of_upcasters()
    {
        var log = Fold("Doses.Doses",
            ("Doses.DoseV1", ["ACT", 500]),
            ("Doses.DoseV2", ["ORS", 0.25m]),
            ("Doses.Dose", ["ACT", 1.5m, "iv"]));
        Assert.Equal(["ACT:0.5:oral@1", "ORS:0.25:oral@2", "ACT:1.5:iv@3"], log);
    }

    [Fact]
    public void A_version_the_state_handles_itself_keeps_its_own_apply_and_older_ones_go_up_to_it()
    {
        var log = Fold("Doses.KeepsV2",
            ("Doses.DoseV1", ["ACT", 500]),
            ("Doses.DoseV2", ["ORS", 0.25m]),
            ("Doses.Dose", ["ACT", 1.5m, "iv"]));
        Assert.Equal(["v2 0.5", "v2 0.25", "v3 1.5"], log);
    }

    private static async Task<Diagnostic[]> Analyze(string source) => (await TestCompiler.AnalyzeAsync(Usings + source)).ToArray();

    private static async Task<Diagnostic> Single(string source, string id)
    {
        var diagnostics = await Analyze(source);
        Assert.True(diagnostics.Length == 1 && diagnostics[0].Id == id, $"Expected one {id}, got: {string.Join("\n", diagnostics)}");
        return diagnostics[0];
    }

    private const string TwoVersions = "[ZamEvent(7)] public partial record DoseV1(string Item, int Milligrams); [ZamEvent(7, Version = 2)] public partial record Dose(string Item, decimal Grams);\n"
        + "[ZamState] public partial class S { void Apply(Dose e) { } public void Reset() { } }\n";

    [Fact]
    public async Task ZS2003_a_new_version_without_an_upcaster()
    {
        var diagnostics = await Analyze(TwoVersions);
        // DoseV1 is also unhandled (ZS4003, information): without an upcaster nothing leads from it to Apply(Dose).
        Assert.Equal(["ZS2003", "ZS4003"], diagnostics.Select(d => d.Id).Order());
        var d = diagnostics.Single(d => d.Id == "ZS2003");
        Assert.Equal("2", TestCompiler.SpanText(d));
        Assert.Contains("'Dose' is version 2 of event 7, but no [ZamUpcast] method converts an older version", d.GetMessage());
    }

    [Fact]
    public async Task With_its_upcaster_a_new_version_is_clean_and_the_old_one_counts_as_handled()
    {
        Assert.Empty(await Analyze(TwoVersions + "public static class Up { [ZamUpcast] public static Dose Grams(DoseV1 d) => new(d.Item, d.Milligrams / 1000m); }"));
    }

    [Theory]
    [InlineData("[ZamUpcast] public Dose Grams(DoseV1 d) => new(d.Item, 0);", "must be static")]
    [InlineData("[ZamUpcast] public static Dose Grams(DoseV1 d, int x) => new(d.Item, 0);", "must take one event by value")]
    [InlineData("[ZamUpcast] public static void Grams(DoseV1 d) { }", "must return the newer version")]
    [InlineData("[ZamUpcast] private static Dose Grams(DoseV1 d) => new(d.Item, 0);", "must be visible to the whole assembly")]
    [InlineData("[ZamUpcast] public static Dose Grams(string d) => new(d, 0);", "takes 'string', which is not a [ZamEvent] type")]
    [InlineData("[ZamUpcast] public static DoseV1 Grams(Dose d) => new(d.Item, 0);", "it must go from an older version to a newer one")]
    [InlineData("[ZamUpcast] public static Other Grams(DoseV1 d) => new();", "converts event 7 to event 8")]
    public async Task ZS2004_an_invalid_upcaster(string method, string reason)
    {
        var diagnostics = await Analyze(TwoVersions + "[ZamEvent(8)] public partial record Other; public static class Up { " + method
            + " [ZamUpcast] public static Dose Fine(DoseV1 d) => new(d.Item, d.Milligrams / 1000m); }");
        var invalid = diagnostics.Where(d => d.Id == "ZS2004").ToList();
        Assert.True(invalid.Count == 1, string.Join("\n", diagnostics));
        Assert.Contains(reason, invalid[0].GetMessage());
    }

    [Fact]
    public async Task ZS2004_two_upcasters_from_one_version()
    {
        var diagnostics = await Analyze(TwoVersions + "public static class Up { [ZamUpcast] public static Dose A(DoseV1 d) => new(d.Item, 0); [ZamUpcast] public static Dose B(DoseV1 d) => new(d.Item, 1); }");
        var d = Assert.Single(diagnostics);
        Assert.Equal("ZS2004", d.Id);
        Assert.Contains("keep one upcaster per older version", d.GetMessage());
    }

    [Theory]
    [InlineData("[ZamEvent(16777216)] public partial record Big;", "above the largest, 16777215")]
    [InlineData("[ZamEvent(9, Version = 0)] public partial record Zero;", "has version 0; versions go from 1 to 255")]
    [InlineData("[ZamEvent(9, Version = 256)] public partial record Huge;", "has version 256")]
    public async Task ZS2001_ids_and_versions_out_of_range(string source, string reason)
    {
        var d = await Single(source, "ZS2001");
        Assert.Contains(reason, d.GetMessage());
    }

    [Fact]
    public async Task ZS2002_two_types_for_one_version_of_an_id()
    {
        var diagnostics = await Analyze("[ZamEvent(7, Version = 2)] public partial record A; [ZamEvent(7, Version = 2)] public partial record B; [ZamEvent(7)] public partial record C;"
            + " public static class Up { [ZamUpcast] public static A X(C c) => new(); [ZamUpcast] public static B Y(C c) => new(); }");
        Assert.Equal(2, diagnostics.Count(d => d.Id == "ZS2002"));
        Assert.Contains("7 v2", diagnostics.First(d => d.Id == "ZS2002").GetMessage());
    }

    // ---- the manifest ----

    private const string ShippedV1 = """
        zamsync-manifest 1
        event 7 Shop.Dose
          slot 0 Item: string
          slot 1 Milligrams: int
        """;

    private static Task<System.Collections.Immutable.ImmutableArray<Diagnostic>> AnalyzeShop(string? manifest, string source) =>
        TestCompiler.AnalyzeWithManifestAsync(manifest, null, Usings + "namespace Shop;\n" + source);

    [Fact]
    public async Task A_slot_type_change_within_a_version_is_still_refused_and_says_how_to_version()
    {
        var diagnostics = await AnalyzeShop(ShippedV1, "[ZamEvent(7)] public partial record Dose(string Item, decimal Milligrams);");
        var d = Assert.Single(diagnostics);
        Assert.Equal("ZS5005", d.Id);
        Assert.Contains("declare the new shape as a new version of the event ([ZamEvent(id, Version = n)]) with a [ZamUpcast]", d.GetMessage());
    }

    [Fact]
    public async Task The_same_change_as_a_new_version_with_an_upcaster_is_accepted_and_the_old_shape_may_be_renamed()
    {
        string source = "[ZamEvent(7)] public partial record DoseV1(string Item, int Milligrams); [ZamEvent(7, Version = 2)] public partial record Dose(string Item, decimal Milligrams);"
            + " public static class Up { [ZamUpcast] public static Dose G(DoseV1 d) => new(d.Item, d.Milligrams); }";
        string manifest = ShippedV1 + "\nevent 7 v2 Shop.Dose\n  slot 0 Item: string\n  slot 1 Milligrams: decimal\n";
        Assert.Empty(await AnalyzeShop(manifest, source));

        // Not yet recorded: ZS5009 names the version.
        var unrecorded = Assert.Single(await AnalyzeShop(ShippedV1, source));
        Assert.Contains("7 v2", unrecorded.GetMessage());
    }

    [Fact]
    public void The_manifest_records_a_version_as_event_n_vk_and_reads_it_back_under_its_wire_id()
    {
        string text = ShippedV1 + "\nevent 7 v2 Shop.Dose\n  slot 0 Item: string\n  slot 1 Grams: decimal\nretired-event 7 v3 Shop.Gone\n";
        var parsed = ContractManifest.Parse(text);
        Assert.Empty(parsed.Errors);
        Assert.Equal([7u, 0x0100_0007u, 0x0200_0007u], parsed.Events.Select(e => e.Id).Order());
        Assert.Equal("Shop.Dose", parsed.Find(0x0100_0007u)!.TypeName);
        string formatted = ContractManifest.Format(parsed.Events);
        Assert.Contains("event 7 Shop.Dose\n  slot 0 Item: string\n  slot 1 Milligrams: int\nevent 7 v2 Shop.Dose\n", formatted);
        Assert.Contains("retired-event 7 v3 Shop.Gone\n", formatted);
        Assert.Equal(formatted, ContractManifest.Format(ContractManifest.Parse(formatted).Events));

        Assert.Contains(ContractManifest.Parse("zamsync-manifest 1\nevent 7 v0 Shop.X\n").Errors, e => e.Message.Contains("version 0"));
    }
}

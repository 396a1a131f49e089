using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using ZamSync.Generators.Manifest;
using ZamSync.Generators.Tests.Infrastructure;

namespace ZamSync.Generators.Tests;

/// <summary>The contract manifest (ZS5xxx): one test per diagnostic (id, severity, span text), clean cases, and the proposed update.</summary>
public class ManifestTests
{
    private const string Usings = "using System; using System.Collections.Generic; using ZamSync;\nnamespace Shop;\n";

    private const string Order = "[ZamEvent(1)] public partial class Order { [ZamMember(0)] public int Number { get; set; } [ZamMember(1)] public string? Note { get; set; } }";

    private const string OrderManifest = """
        zamsync-manifest 1
        event 1 Shop.Order
          slot 0 Number: int
          slot 1 Note: string
        """;

    private static readonly IReadOnlyDictionary<string, string> Updating = new Dictionary<string, string> { ["build_property.ZamSyncUpdateManifest"] = "true" };

    private static Task<ImmutableArray<Diagnostic>> Analyze(string? manifest, string source, IReadOnlyDictionary<string, string>? properties = null) =>
        TestCompiler.AnalyzeWithManifestAsync(manifest, properties, Usings + source);

    /// <summary>Text under the span, in a source file or in the manifest.</summary>
    private static string SpanText(Diagnostic d, string? manifest) =>
        d.Location.SourceTree is not null
            ? TestCompiler.SpanText(d)
            : Microsoft.CodeAnalysis.Text.SourceText.From(manifest!).ToString(d.Location.SourceSpan);

    private static async Task Expect(string? manifest, string source, string id, DiagnosticSeverity severity, string spanText, string? messagePart = null)
    {
        var diagnostics = await Analyze(manifest, source);
        Assert.True(diagnostics.Length == 1 && diagnostics[0].Id == id, $"Expected one {id}, got: {string.Join("\n", diagnostics)}");
        var d = diagnostics[0];
        Assert.Equal(severity, d.Descriptor.DefaultSeverity); // the test compilation promotes warnings to errors, as TreatWarningsAsErrors does
        Assert.Equal(spanText, SpanText(d, manifest));
        Assert.Equal($"https://github.com/zamsync/zamsync/blob/main/docs/diagnostics/{id}.md", d.Descriptor.HelpLinkUri);
        if (messagePart is not null) Assert.Contains(messagePart, d.GetMessage());
    }

    [Fact]
    public async Task No_manifest_no_evolution_diagnostics()
    {
        Assert.Empty(await Analyze(null, Order));
    }

    [Fact]
    public async Task A_matching_manifest_is_clean()
    {
        Assert.Empty(await Analyze(OrderManifest, Order));
    }

    [Fact]
    public async Task Retired_slots_and_ids_that_stay_retired_are_clean_and_a_rename_is_allowed()
    {
        const string manifest = """
            # history
            zamsync-manifest 1
            event 1 Shop.Order
              slot 0 Number: int
              slot 1 Note: string
              retired-slot 2 Discount: decimal
              retired-slot 3
            retired-event 4 Shop.Cancelled
            """;
        Assert.Empty(await Analyze(manifest, Order.Replace("Note", "Comment")));
    }

    [Fact]
    public Task ZS5001_unreadable_manifest() =>
        Expect(OrderManifest + "\n  slot x Broken: int\n", Order, "ZS5001", DiagnosticSeverity.Error, "  slot x Broken: int", "line 5");

    [Fact]
    public Task ZS5002_id_recorded_for_another_type() =>
        Expect(OrderManifest, Order.Replace("class Order", "class Invoice"), "ZS5002", DiagnosticSeverity.Error, "1", "recorded in the contract manifest for 'Shop.Order'");

    [Fact]
    public Task ZS5003_retired_id_used_again() =>
        Expect("zamsync-manifest 1\nretired-event 1 Shop.Old\n", Order, "ZS5003", DiagnosticSeverity.Error, "1", "last used by 'Shop.Old'");

    [Fact]
    public Task ZS5004_member_removed() =>
        Expect(OrderManifest, "[ZamEvent(1)] public partial class Order { [ZamMember(0)] public int Number { get; set; } }",
            "ZS5004", DiagnosticSeverity.Error, "Order", "slot 1 ('Note: string'");

    [Fact]
    public Task ZS5005_member_type_changed() =>
        Expect(OrderManifest, Order.Replace("public int Number", "public long Number"), "ZS5005", DiagnosticSeverity.Error, "long", "records 'int'");

    [Fact]
    public Task ZS5005_positional_member_type_changed() =>
        Expect("zamsync-manifest 1\nevent 1 Shop.Order\n  slot 0 Number: int\n", "[ZamEvent(1)] public partial record Order(Guid Number);",
            "ZS5005", DiagnosticSeverity.Error, "Guid", "has type 'System.Guid'");

    [Fact]
    public Task ZS5006_retired_slot_used_again() =>
        Expect(OrderManifest + "\n  retired-slot 2 Discount: decimal\n",
            Order.Replace("} }", "} [ZamMember(2)] public decimal Rebate { get; set; } }"), "ZS5006", DiagnosticSeverity.Error, "2", "'Rebate'");

    [Fact]
    public Task ZS5007_event_removed() =>
        Expect(OrderManifest + "\nevent 2 Shop.Cancelled\n  slot 0 Reason: string\n", Order, "ZS5007", DiagnosticSeverity.Warning, "event 2 Shop.Cancelled");

    [Fact]
    public Task ZS5008_event_not_recorded() =>
        Expect(OrderManifest, Order + " [ZamEvent(2)] public partial record Shipped(int Number);", "ZS5008", DiagnosticSeverity.Warning, "Shipped");

    [Fact]
    public Task ZS5009_member_not_recorded() =>
        Expect(OrderManifest, Order.Replace("} }", "} [ZamMember(2)] public decimal Rebate { get; set; } }"), "ZS5009", DiagnosticSeverity.Warning, "Rebate");

    [Fact]
    public async Task While_updating_only_the_rules_an_update_cannot_resolve_fire()
    {
        string manifest = OrderManifest + "\nevent 2 Shop.Cancelled\n";
        // Removed member (Note), removed event (2), new member (Rebate), new event (3): the update records them.
        string changed = "[ZamEvent(1)] public partial class Order { [ZamMember(0)] public int Number { get; set; } [ZamMember(2)] public decimal Rebate { get; set; } }"
            + " [ZamEvent(3)] public partial record Shipped(int Number);";
        Assert.Empty(await Analyze(manifest, changed, Updating));
        Assert.Equal(["ZS5004", "ZS5007", "ZS5008", "ZS5009"], (await Analyze(manifest, changed)).Select(d => d.Id).Order());

        // A type change stays an error: the update keeps the recorded type.
        var typeChanged = await Analyze(manifest, Order.Replace("public int Number", "public long Number") + " [ZamEvent(2)] public partial record Refunded;", Updating);
        Assert.Equal(["ZS5002", "ZS5005"], typeChanged.Select(d => d.Id).Order());
    }

    [Fact]
    public void The_generated_registry_proposes_the_updated_manifest()
    {
        string manifest = OrderManifest + "\nevent 2 Shop.Cancelled\n  slot 0 Reason: string\n";
        string changed = "[ZamEvent(1)] public partial class Order { [ZamMember(0)] public long Number { get; set; } [ZamMember(2)] public decimal Rebate { get; set; } }"
            + " [ZamEvent(3)] public partial record Shipped(int Number, List<string> Tags);";

        var sources = TestCompiler.GenerateWithManifest(manifest, Usings + changed);
        string registry = sources["ZamSync.Generated.ZamContracts.g.cs"];

        string expected = string.Join("\n",
            "# ZamSync contract manifest: what has shipped. Checked by the ZamSync analyzer (ZS5xxx).",
            "# Update with: dotnet build -p:ZamSyncUpdateManifest=true (see the ZamSync docs, contracts.md)",
            "zamsync-manifest 1",
            "event 1 Shop.Order",
            "  slot 0 Number: int",                 // type change: kept as recorded, the analyzer keeps failing
            "  retired-slot 1 Note: string",        // removed: retired, never deleted
            "  slot 2 Rebate: decimal",             // new
            "retired-event 2 Shop.Cancelled",       // removed: retired
            "event 3 Shop.Shipped",
            "  slot 0 Number: int",
            "  slot 1 Tags: System.Collections.Generic.List<string>",
            "");
        Assert.Contains("public const string Manifest = " + SymbolLiteral(expected) + ";", registry);
    }

    [Fact]
    public void Without_a_manifest_the_proposal_is_the_current_contract_and_parses_back()
    {
        var sources = TestCompiler.GenerateWithManifest(null, Usings + Order);
        string text = ContractManifest.Propose(null, [new ManifestEvent(1, "Shop.Order", false,
            new Model.EquatableArray<ManifestSlot>([new ManifestSlot(0, "Number", "int", false, 0), new ManifestSlot(1, "Note", "string", false, 0)]), 0)]);
        Assert.Contains(SymbolLiteral(text), sources["ZamSync.Generated.ZamContracts.g.cs"]);

        var parsed = ContractManifest.Parse(text);
        Assert.Empty(parsed.Errors);
        Assert.Equal(text, ContractManifest.Format(parsed.Events));
        Assert.Equal(ContractManifest.Parse(OrderManifest).Events.Single().Slots.Select(s => (s.Slot, s.Name, s.Type)), parsed.Events.Single().Slots.Select(s => (s.Slot, s.Name, s.Type)));
    }

    private static string SymbolLiteral(string text) => Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(text, quote: true);
}

using Microsoft.CodeAnalysis;
using ZamSync.Generators.Tests.Infrastructure;

namespace ZamSync.Generators.Tests;

/// <summary>One test per diagnostic: id, severity and the exact source text under the span.</summary>
public class DiagnosticTests
{
    private const string Usings = "using System; using System.Collections.Generic; using ZamSync;\n";

    private static async Task<Diagnostic> Single(string source, string id)
    {
        var diagnostics = await TestCompiler.AnalyzeAsync(Usings + source);
        var matching = diagnostics.Where(d => d.Id == id).ToList();
        Assert.True(matching.Count == 1, $"Expected one {id}, got: {string.Join("\n", diagnostics)}");
        Assert.Equal(diagnostics.Length, diagnostics.Count(d => d.Id == id)); // nothing else fires
        return matching[0];
    }

    private static async Task Expect(string source, string id, DiagnosticSeverity severity, string spanText)
    {
        var d = await Single(source, id);
        Assert.Equal(severity, d.Severity);
        Assert.Equal(spanText, TestCompiler.SpanText(d));
        Assert.Equal($"https://github.com/zamsync/zamsync/blob/main/docs/diagnostics/{id}.md", d.Descriptor.HelpLinkUri);
    }

    [Theory]
    [InlineData(nameof(Contracts.Clinic))]
    [InlineData(nameof(Contracts.Shop))]
    [InlineData(nameof(Contracts.Ledger))]
    public async Task Clean_contracts_have_no_diagnostics(string contract)
    {
        var diagnostics = await TestCompiler.AnalyzeAsync(GeneratedCodeTests.Source(contract));
        Assert.Empty(diagnostics);
    }

    [Fact]
    public Task ZS1001_event_not_partial() =>
        Expect("[ZamEvent(1)] public record Evt(int X);", "ZS1001", DiagnosticSeverity.Error, "Evt");

    [Fact]
    public Task ZS1001_state_not_partial() =>
        Expect("[ZamEvent(1)] public partial record Evt(int X); [ZamState] public class S { void Apply(Evt e) { } public void Reset() { } }",
            "ZS1001", DiagnosticSeverity.Error, "S");

    [Fact]
    public Task ZS1002_generic_event() =>
        Expect("[ZamEvent(1)] public partial class Evt<T> { public int X { get; set; } }", "ZS1002", DiagnosticSeverity.Error, "Evt");

    [Fact]
    public Task ZS1003_memorypackable_on_contract() =>
        Expect("[ZamEvent(1)] [MemoryPack.MemoryPackable] public partial record Evt(int X);", "ZS1003", DiagnosticSeverity.Error, "MemoryPack.MemoryPackable");

    [Fact]
    public Task ZS1004_no_usable_constructor() =>
        Expect("[ZamEvent(1)] public partial class Evt { public Evt(int other) { } public int X { get; set; } }", "ZS1004", DiagnosticSeverity.Error, "Evt");

    [Fact]
    public Task ZS1005_event_attribute_through_an_alias() =>
        Expect("[Evt(1)] public partial record A(int X); [ZamState] public partial class S { void Apply(A e) { } public void Reset() { } }".Insert(0, "using Evt = ZamSync.ZamEventAttribute;\n"),
            "ZS1005", DiagnosticSeverity.Error, "Evt(1)");

    [Fact]
    public Task ZS1005_another_librarys_attribute_named_like_a_slot() =>
        Expect("""
            namespace Other { [AttributeUsage(AttributeTargets.All)] public sealed class ZamMemberAttribute(int slot) : Attribute { public int Slot => slot; } }
            [ZamEvent(1)] public partial record A([Other.ZamMember(0)] int X);
            [ZamState] public partial class S { void Apply(A e) { } public void Reset() { } }
            """, "ZS1005", DiagnosticSeverity.Error, "Other.ZamMember(0)");

    [Fact]
    public Task ZS1005_another_librarys_attribute_named_like_an_event() =>
        Expect("""
            namespace Other { public sealed class ZamEventAttribute(int id) : Attribute { public int Id => id; } }
            [Other.ZamEvent(1)] public class NotAContract { }
            """, "ZS1005", DiagnosticSeverity.Error, "Other.ZamEvent(1)");

    [Fact]
    public Task ZS2001_zero_id() =>
        Expect("[ZamEvent(0)] public partial record Evt(int X);", "ZS2001", DiagnosticSeverity.Error, "0");

    [Fact]
    public async Task ZS2002_duplicate_id_is_reported_on_both_types()
    {
        var diagnostics = await TestCompiler.AnalyzeAsync(Usings + "[ZamEvent(5)] public partial record A(int X); [ZamEvent(2 + 3)] public partial record B(int X);");

        Assert.Equal(["ZS2002", "ZS2002"], diagnostics.Select(d => d.Id));
        Assert.All(diagnostics, d => Assert.Equal(DiagnosticSeverity.Error, d.Severity));
        Assert.Equal(["5", "2 + 3"], diagnostics.Select(TestCompiler.SpanText));
        Assert.Contains("'A' is also used by 'B'", diagnostics[0].GetMessage());
    }

    [Theory]
    [InlineData("object", "object")]
    [InlineData("Action", "Action")]
    [InlineData("IDisposable", "IDisposable")]
    [InlineData("List<Func<int>>", "List<Func<int>>")]
    public Task ZS3001_unserializable_member(string type, string spanText) =>
        Expect($"[ZamEvent(1)] public partial class Evt {{ public {type} X {{ get; set; }} = null!; }}", "ZS3001", DiagnosticSeverity.Error, spanText);

    [Fact]
    public Task ZS3001_pointer_member() =>
        Expect("[ZamEvent(1)] public unsafe partial struct Evt { public int* P; }", "ZS3001", DiagnosticSeverity.Error, "int*");

    [Fact]
    public Task ZS3002_mixed_slots() =>
        Expect("[ZamEvent(1)] public partial class Evt { [ZamMember(0)] public int A { get; set; } public int B { get; set; } }", "ZS3002", DiagnosticSeverity.Error, "B");

    [Fact]
    public Task ZS3003_duplicate_slot() =>
        Expect("[ZamEvent(1)] public partial class Evt { [ZamMember(0)] public int A { get; set; } [ZamMember(0)] public int B { get; set; } }", "ZS3003", DiagnosticSeverity.Error, "0");

    [Fact]
    public Task ZS3004_slot_out_of_range() =>
        Expect("[ZamEvent(1)] public partial class Evt { [ZamMember(249)] public int A { get; set; } }", "ZS3004", DiagnosticSeverity.Error, "249");

    [Theory]
    [InlineData("int Apply(Evt e) => 0;", "Apply")]
    [InlineData("void Apply(Evt e, int x) { }", "Apply")]
    [InlineData("void Apply(ref Evt e) { }", "Apply")]
    public Task ZS4001_apply_with_wrong_signature(string method, string spanText) =>
        Expect($"[ZamEvent(1)] public partial record Evt(int X); [ZamState] public partial class S {{ {method} public void Reset() {{ }} }}",
            "ZS4001", DiagnosticSeverity.Error, spanText);

    [Fact]
    public Task ZS4002_apply_for_a_type_that_is_not_an_event() =>
        Expect("[ZamEvent(1)] public partial record Evt(int X); public record NotEvent(int X); [ZamState] public partial class S { void Apply(Evt e) { } void Apply(NotEvent e) { } public void Reset() { } }",
            "ZS4002", DiagnosticSeverity.Error, "NotEvent");

    [Fact]
    public Task ZS4003_event_no_state_handles() =>
        Expect("[ZamEvent(1)] public partial record Evt(int X); [ZamEvent(2)] public partial record Orphan(int X); [ZamState] public partial class S { void Apply(Evt e) { } public void Reset() { } }",
            "ZS4003", DiagnosticSeverity.Info, "Orphan");

    [Fact]
    public async Task ZS4003_is_not_reported_in_a_contracts_only_assembly()
    {
        Assert.Empty(await TestCompiler.AnalyzeAsync(Usings + "[ZamEvent(1)] public partial record Evt(int X);"));
    }

    [Fact]
    public Task ZS4004_state_without_reset() =>
        Expect("[ZamEvent(1)] public partial record Evt(int X); [ZamState] public partial class S { void Apply(Evt e) { } }", "ZS4004", DiagnosticSeverity.Error, "S");

    [Fact]
    public Task ZS4005_event_handled_twice() =>
        Expect("[ZamEvent(1)] public partial record Evt(int X); [ZamState] public partial class S { void Apply(Evt e) { } void Apply(Evt e, EventContext c) { } public void Reset() { } }",
            "ZS4005", DiagnosticSeverity.Error, "Apply");

    private const string SnapshotState = "[ZamEvent(1)] public partial record Evt(int X); public sealed record Plain(string Name);\n"
        + "public record Open(string Name); public sealed record Boxed(object Value); public abstract class Shape { }\n";

    [Theory]
    [InlineData("public Dictionary<string, Open> Items { get; } = new();", "Dictionary<string, Open>")]
    [InlineData("public Boxed? Last { get; set; }", "Boxed?")]
    [InlineData("public List<Shape> Shapes { get; } = new();", "List<Shape>")]
    [InlineData("public object Box = new();", "object")]
    public Task ZS4006_snapshot_member_cannot_be_serialized(string member, string spanText) =>
        Expect(SnapshotState + $"[ZamState(Snapshots = true)] public partial class S {{ {member} void Apply(Evt e) {{ }} public void Reset() {{ }} }}",
            "ZS4006", DiagnosticSeverity.Error, spanText);

    [Fact]
    public async Task ZS4006_says_what_to_do()
    {
        var d = await Single(SnapshotState + "[ZamState(Snapshots = true)] public partial class S { public List<Boxed> Items { get; } = new(); void Apply(Evt e) { } public void Reset() { } }", "ZS4006");
        Assert.Contains("Snapshot member 'Items' of state 'S' has type 'System.Collections.Generic.List<Boxed>'", d.GetMessage());
        Assert.Contains("its member 'Value' of type 'object'", d.GetMessage());
        Assert.Contains("[MemoryPackable]", d.GetMessage());
    }

    [Fact]
    public async Task ZS4006_names_an_unsealed_plain_type_and_a_plain_type_of_another_assembly()
    {
        var open = await Single(SnapshotState + "[ZamState(Snapshots = true)] public partial class S { public List<Open> Items { get; } = new(); void Apply(Evt e) { } public void Reset() { } }", "ZS4006");
        Assert.Contains("it must be sealed", open.GetMessage());
        var foreign = await Single(SnapshotState + "[ZamState(Snapshots = true)] public partial class S { public List<ZamSync.SyncStats> Stats { get; } = new(); void Apply(Evt e) { } public void Reset() { } }", "ZS4006");
        Assert.Contains("declared in another assembly", foreign.GetMessage());
    }

    [Fact]
    public async Task Plain_sealed_types_of_the_states_assembly_are_snapshot_members_without_a_diagnostic()
    {
        var diagnostics = await TestCompiler.AnalyzeAsync(Usings + SnapshotState +
            "public readonly record struct Point(int X, int Y); public sealed class Tree { public string Name { get; set; } = \"\"; public List<Tree> Children { get; set; } = new(); }\n" +
            "[ZamState(Snapshots = true)] public partial class S { public Dictionary<string, Plain> Items { get; } = new(); public Plain? Last { get; set; } public Point[] Points { get; set; } = []; public Tree Root { get; set; } = new(); void Apply(Evt e) { } public void Reset() { } }");
        Assert.Empty(diagnostics);
    }

    [Fact]
    public async Task Plain_types_in_a_state_without_snapshots_are_fine()
    {
        var diagnostics = await TestCompiler.AnalyzeAsync(Usings + SnapshotState +
            "[ZamState] public partial class S { public Dictionary<string, Plain> Items { get; } = new(); void Apply(Evt e) { } public void Reset() { } }");
        Assert.Empty(diagnostics);
    }

    [Theory]
    [InlineData("public string Name { get; } = \"\";", "string")]
    [InlineData("public string Name { get; init; } = \"\";", "string")]
    [InlineData("public int[] Codes { get; } = new int[3];", "int[]")]
    [InlineData("public IReadOnlyList<int> Codes { get; } = new List<int>();", "IReadOnlyList<int>")]
    [InlineData("public readonly System.Collections.ObjectModel.ReadOnlyCollection<int> Codes = new(new List<int>());", "System.Collections.ObjectModel.ReadOnlyCollection<int>")]
    public Task ZS4007_snapshot_member_cannot_be_restored(string member, string spanText) =>
        Expect(SnapshotState + $"[ZamState(Snapshots = true)] public partial class S {{ {member} void Apply(Evt e) {{ }} public void Reset() {{ }} }}",
            "ZS4007", DiagnosticSeverity.Error, spanText);

    [Fact]
    public Task Snapshot_members_follow_the_slot_rules() =>
        Expect("[ZamEvent(1)] public partial record Evt(int X); [ZamState(Snapshots = true)] public partial class S { [ZamMember(0)] public int A { get; set; } public int B { get; set; } void Apply(Evt e) { } public void Reset() { } }",
            "ZS3002", DiagnosticSeverity.Error, "B");

    [Fact]
    public void Every_descriptor_has_a_documentation_page_and_a_unique_id()
    {
        var descriptors = typeof(ZamSync.Generators.Diagnostics.DiagnosticDescriptors).GetFields()
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!).ToList();
        Assert.Equal(descriptors.Count, descriptors.Select(d => d.Id).Distinct().Count());
        string docs = Path.Combine(Repository.Root, "docs", "diagnostics");
        Assert.All(descriptors, d => Assert.True(File.Exists(Path.Combine(docs, d.Id + ".md")), $"docs/diagnostics/{d.Id}.md is missing"));
        // The help link opens that page in the repository the packages name (RepositoryUrl in Directory.Build.props).
        string repository = System.Text.RegularExpressions.Regex.Match(File.ReadAllText(Path.Combine(Repository.Root, "Directory.Build.props")),
            "<RepositoryUrl>(.+)</RepositoryUrl>").Groups[1].Value;
        Assert.StartsWith("https://github.com/", repository);
        Assert.All(descriptors, d => Assert.Equal($"{repository}/blob/main/docs/diagnostics/{d.Id}.md", d.HelpLinkUri));
        // ZS6xxx comes from the determinism analyzer, everything else a user fixes from the contract analyzer.
        var supported = new ZamSync.Generators.Diagnostics.ContractAnalyzer().SupportedDiagnostics
            .Concat(new ZamSync.Generators.Diagnostics.Determinism.DeterminismAnalyzer().SupportedDiagnostics);
        Assert.Equal(descriptors.Where(d => !d.Id.StartsWith("ZS9", StringComparison.Ordinal)).Select(d => d.Id).Order(),
            supported.Select(d => d.Id).Order());
    }
}

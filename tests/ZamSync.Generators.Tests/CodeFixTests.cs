using System.Collections.Immutable;
using MemoryPack;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using ZamSync.Generators.CodeFixes;
using ZamSync.Generators.Diagnostics;

namespace ZamSync.Generators.Tests;

/// <summary>Each code fix applied to a document in a workspace: the resulting text, and that the diagnostic is gone.</summary>
public class CodeFixTests
{
    private const string Usings = "using ZamSync;\nnamespace Shop;\n";

    private static Document CreateDocument(string source, string? manifest = null)
    {
        var workspace = new AdhocWorkspace();
        var project = workspace.CurrentSolution
            .AddProject("Contracts", "Contracts", LanguageNames.CSharp)
            .WithCompilationOptions(new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable))
            .WithParseOptions(new CSharpParseOptions(LanguageVersion.Latest))
            .AddMetadataReferences([
                .. Basic.Reference.Assemblies.Net100.References.All,
                MetadataReference.CreateFromFile(typeof(MemoryPackSerializer).Assembly.Location),
                MetadataReference.CreateFromFile(typeof(ZamEngine).Assembly.Location)]);
        if (manifest is not null) project = project.AddAdditionalDocument("zamsync.contract.txt", manifest, filePath: "/project/zamsync.contract.txt").Project;
        return project.AddDocument("Contracts.cs", Usings + source, filePath: "/project/Contracts.cs");
    }

    private static async Task<ImmutableArray<Diagnostic>> Diagnostics(Document document)
    {
        var compilation = (await document.Project.GetCompilationAsync())!;
        var options = new AnalyzerOptions(document.Project.AdditionalDocuments
            .Select(d => (AdditionalText)new Infrastructure.InMemoryAdditionalText(d.FilePath!, d.GetTextAsync().Result.ToString())).ToImmutableArray());
        return await compilation.WithAnalyzers([new ContractAnalyzer(), new ZamSync.Generators.Diagnostics.Determinism.DeterminismAnalyzer()], options).GetAnalyzerDiagnosticsAsync();
    }

    /// <summary>Applies the first fix offered for the first diagnostic with this id; returns the new text (without the usings) and the fix's title.</summary>
    private static async Task<(string Text, string Title, ImmutableArray<Diagnostic> After)> Apply(CodeFixProvider provider, string id, string source, string? manifest = null, int which = 0, string? title = null)
    {
        var (text, actionTitle, after) = await ApplyWholeFile(provider, id, source, manifest, which, title);
        Assert.StartsWith(Usings, text);
        return (text.Substring(Usings.Length), actionTitle, after);
    }

    /// <summary>The code fixes offered for the <paramref name="which"/>th diagnostic with this id.</summary>
    private static async Task<List<CodeAction>> Offered(CodeFixProvider provider, string id, string source, int which = 0)
    {
        var document = CreateDocument(source);
        var diagnostic = (await Diagnostics(document)).Where(d => d.Id == id).OrderBy(d => d.Location.SourceSpan.Start).ElementAt(which);
        var actions = new List<CodeAction>();
        await provider.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (a, _) => actions.Add(a), CancellationToken.None));
        return actions;
    }

    /// <summary>As <see cref="Apply"/>, but the whole new text (a fix may add a using), and the fix chosen by title when several are offered.</summary>
    private static async Task<(string Text, string Title, ImmutableArray<Diagnostic> After)> ApplyWholeFile(CodeFixProvider provider, string id, string source, string? manifest = null, int which = 0, string? title = null)
    {
        var document = CreateDocument(source, manifest);
        var diagnostic = (await Diagnostics(document)).Where(d => d.Id == id).OrderBy(d => d.Location.SourceSpan.Start).ElementAt(which);
        var actions = new List<CodeAction>();
        await provider.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (a, _) => actions.Add(a), CancellationToken.None));
        var action = title is null ? Assert.Single(actions) : Assert.Single(actions, a => a.Title == title);
        var operation = Assert.Single((await action.GetOperationsAsync(CancellationToken.None)).OfType<ApplyChangesOperation>());
        var changed = operation.ChangedSolution.GetDocument(document.Id)!;
        string text = (await changed.GetTextAsync()).ToString();
        return (text, action.Title, await Diagnostics(changed));
    }

    [Theory]
    [InlineData("[ZamEvent(1)] public record Evt(int X);", "[ZamEvent(1)] public partial record Evt(int X);")]
    [InlineData("[ZamEvent(1)] public sealed class Evt { public int X { get; set; } }", "[ZamEvent(1)] public sealed partial class Evt { public int X { get; set; } }")]
    [InlineData("[ZamEvent(1)]\nrecord struct Evt(int X);", "[ZamEvent(1)]\npartial record struct Evt(int X);")]
    [InlineData("[ZamEvent(1)] public partial record Evt(int X);\n[ZamState]\n/* state */ public class S { void Apply(Evt e) { } public void Reset() { } }",
        "[ZamEvent(1)] public partial record Evt(int X);\n[ZamState]\n/* state */ public partial class S { void Apply(Evt e) { } public void Reset() { } }")]
    public async Task ZS1001_make_the_type_partial(string source, string expected)
    {
        var (text, title, after) = await Apply(new MakePartialCodeFix(), "ZS1001", source);

        Assert.Equal(expected, text);
        Assert.Equal("Make the type partial", title);
        Assert.DoesNotContain(after, d => d.Id == "ZS1001");
    }

    [Fact]
    public async Task ZS2001_zero_id_gets_the_next_free_id()
    {
        var (text, title, after) = await Apply(new NextFreeIdCodeFix(), "ZS2001",
            "[ZamEvent(7)] public partial record A(int X);\n[ZamEvent( 0 )] public partial record B(int X);");

        Assert.Equal("[ZamEvent(7)] public partial record A(int X);\n[ZamEvent( 8 )] public partial record B(int X);", text);
        Assert.Equal("Use the next free id (8)", title);
        Assert.Empty(after);
    }

    [Fact]
    public async Task ZS2002_duplicate_id_gets_the_next_free_id()
    {
        var (text, _, after) = await Apply(new NextFreeIdCodeFix(), "ZS2002",
            "[ZamEvent(3)] public partial record A(int X);\n[ZamEvent(2 + 1)] public partial record B(int X);\n[ZamEvent(1)] public partial record C(int X);", which: 1);

        Assert.Equal("[ZamEvent(3)] public partial record A(int X);\n[ZamEvent(4)] public partial record B(int X);\n[ZamEvent(1)] public partial record C(int X);", text);
        Assert.Empty(after);
    }

    [Fact]
    public async Task The_next_free_id_skips_ids_recorded_or_retired_in_the_manifest()
    {
        const string manifest = "zamsync-manifest 1\nevent 3 Shop.A\n  slot 0 X: int\nretired-event 12 Shop.Old\n";
        var (text, title, _) = await Apply(new NextFreeIdCodeFix(), "ZS2002",
            "[ZamEvent(3)] public partial record A(int X);\n[ZamEvent(3)] public partial record B(int X);", manifest, which: 1);

        Assert.Equal("[ZamEvent(3)] public partial record A(int X);\n[ZamEvent(13)] public partial record B(int X);", text);
        Assert.Equal("Use the next free id (13)", title);
    }

    // ---- ZS6004 and ZS6001: determinism of Apply ----

    private const string Evt = "[ZamEvent(1)] public partial record Evt(string Id, int N, System.DateTime At);\n";

    private static string InState(string body, string parameters = "Evt e, EventContext ctx") =>
        Evt + "[ZamState] public partial class S { public System.Collections.Generic.List<string> Log { get; } = new(); public System.DateTime Last { get; set; }\n"
            + $"    void Apply({parameters}) {{ {body} }}\n    public void Reset() {{ }} }}";

    [Theory]
    [InlineData("Log.Add(e.N.ToString());", "Log.Add(e.N.ToString(CultureInfo.InvariantCulture));")]
    [InlineData("Log.Add(e.N.ToString(\"D4\"));", "Log.Add(e.N.ToString(\"D4\", CultureInfo.InvariantCulture));")]
    [InlineData("int.TryParse(e.Id, out var n);", "int.TryParse(e.Id, CultureInfo.InvariantCulture, out var n);")]
    [InlineData("Last = System.DateTime.Parse(e.Id);", "Last = System.DateTime.Parse(e.Id, CultureInfo.InvariantCulture);")]
    [InlineData("Log.Add(string.Format(\"{0}/{1}\", e.N, e.Id));", "Log.Add(string.Format(CultureInfo.InvariantCulture, \"{0}/{1}\", e.N, e.Id));")]
    [InlineData("Log.Add(System.Convert.ToString(e.N));", "Log.Add(System.Convert.ToString(e.N, CultureInfo.InvariantCulture));")]
    [InlineData("Log.Add($\"{e.Id}: {e.N}\");", "Log.Add(string.Create(CultureInfo.InvariantCulture, $\"{e.Id}: {e.N}\"));")]
    public async Task ZS6004_passes_the_invariant_culture(string body, string fixedBody)
    {
        var (text, title, after) = await ApplyWholeFile(new InvariantCultureCodeFix(), "ZS6004", InState(body));

        Assert.Equal("using ZamSync;\nusing System.Globalization;\nnamespace Shop;\n" + InState(fixedBody), text);
        Assert.Equal("Use CultureInfo.InvariantCulture", title);
        Assert.DoesNotContain(after, d => d.Id == "ZS6004");
    }

    [Fact]
    public async Task ZS6004_keeps_a_using_that_is_already_there()
    {
        var (text, _, after) = await Apply(new InvariantCultureCodeFix(), "ZS6004", "using System.Globalization;\n" + InState("Log.Add(e.N.ToString());"));

        Assert.Equal("using System.Globalization;\n" + InState("Log.Add(e.N.ToString(CultureInfo.InvariantCulture));"), text);
        Assert.Empty(after);
    }

    [Theory]
    [InlineData("if (e.Id.StartsWith(\"x\")) Log.Add(e.Id);")]
    [InlineData("Log.Add(\"n\" + e.N);")]
    public async Task ZS6004_no_fix_where_the_choice_is_the_users(string body) =>
        Assert.Empty(await Offered(new InvariantCultureCodeFix(), "ZS6004", InState(body)));

    [Theory]
    [InlineData("Last = System.DateTime.UtcNow;", "Last = global::System.DateTimeOffset.FromUnixTimeMilliseconds(ctx.Hlc.Physical).UtcDateTime;")]
    [InlineData("Last = DateTime.Now;", "Last = DateTimeOffset.FromUnixTimeMilliseconds(ctx.Hlc.Physical).UtcDateTime;")]
    [InlineData("Last = DateTime.Today;", "Last = DateTimeOffset.FromUnixTimeMilliseconds(ctx.Hlc.Physical).UtcDateTime.Date;")]
    [InlineData("Last = DateTimeOffset.UtcNow.UtcDateTime;", "Last = DateTimeOffset.FromUnixTimeMilliseconds(ctx.Hlc.Physical).UtcDateTime;")]
    public async Task ZS6001_uses_the_events_hlc_time(string body, string fixedBody)
    {
        var (text, title, after) = await Apply(new EventTimeCodeFix(), "ZS6001", "using System;\n" + InState(body), title: EventTimeCodeFix.HlcTitle);

        Assert.Equal("using System;\n" + InState(fixedBody), text);
        Assert.Equal("Use the event's HLC time (UTC)", title);
        Assert.Empty(after);
    }

    [Fact]
    public async Task ZS6001_uses_the_events_own_time_when_it_has_one()
    {
        var (text, title, after) = await Apply(new EventTimeCodeFix(), "ZS6001", "using System;\n" + InState("Last = DateTime.UtcNow;", "Evt e"));

        Assert.Equal("using System;\n" + InState("Last = e.At;", "Evt e"), text);
        Assert.Equal("Use the event's own time (e.At)", title);
        Assert.Empty(after);
    }

    [Fact]
    public async Task ZS6001_no_fix_without_a_context_or_an_event_time_or_outside_apply()
    {
        string noTime = "[ZamEvent(1)] public partial record Evt(string Id);\n[ZamState] public partial class S { System.DateTime _last; void Apply(Evt e) => _last = System.DateTime.UtcNow; public void Reset() { } }";
        Assert.Empty(await Offered(new EventTimeCodeFix(), "ZS6001", noTime));

        string inHelper = "[ZamEvent(1)] public partial record Evt(string Id);\n[ZamState] public partial class S { long _t; void Apply(Evt e, EventContext ctx) => _t = H.Now(); public void Reset() { } }\n"
            + "static class H { public static long Now() => System.DateTime.UtcNow.Ticks; }";
        Assert.Empty(await Offered(new EventTimeCodeFix(), "ZS6001", inHelper));

        string inLambdaWithInContext = "[ZamEvent(1)] public partial record Evt(string Id);\n[ZamState] public partial class S { System.Func<System.DateTime>? _f; void Apply(Evt e, in EventContext ctx) => _f = () => System.DateTime.UtcNow; public void Reset() { } }";
        Assert.Empty(await Offered(new EventTimeCodeFix(), "ZS6001", inLambdaWithInContext));
    }

    // ---- ZS3002: pin every member's slot at once ----

    [Fact]
    public async Task ZS3002_pins_every_positional_member_at_its_implicit_slot()
    {
        var (text, title, after) = await Apply(new PinSlotsCodeFix(), "ZS3002",
            "[ZamEvent(1)] public partial record Evt(string Id, [property: ZamMember(1)] int Count, string Note);");
        Assert.Equal(PinSlotsCodeFix.Title, title);
        Assert.Equal("[ZamEvent(1)] public partial record Evt([property: ZamMember(0)] string Id, [property: ZamMember(1)] int Count, [property: ZamMember(2)] string Note);", text);
        Assert.Empty(after);
    }

    [Fact]
    public async Task ZS3002_moves_a_member_whose_implicit_slot_is_taken_above_every_used_slot()
    {
        var (text, _, after) = await Apply(new PinSlotsCodeFix(), "ZS3002",
            "[ZamEvent(1)] public partial class Evt\n{\n    /// <summary>The id.</summary>\n    public string Id { get; set; } = \"\";\n    [ZamMember(0)] public int Count { get; set; }\n    public long Total;\n}");
        // The IDE's formatter puts a new member attribute on its own line, as C# style has it; parameters keep theirs inline.
        Assert.Equal("[ZamEvent(1)] public partial class Evt\n{\n    /// <summary>The id.</summary>\n    [ZamMember(1)]\n    public string Id { get; set; } = \"\";\n    [ZamMember(0)] public int Count { get; set; }\n    [ZamMember(2)]\n    public long Total;\n}", text);
        Assert.Empty(after);
    }

    [Fact]
    public async Task ZS3002_keeps_the_slots_the_manifest_records_and_skips_retired_ones()
    {
        const string manifest = "zamsync-manifest 1\nevent 1 Shop.Evt\n  slot 0 Id: string\n  retired-slot 1 Old: int\n  slot 2 Note: string\nevent 2 Shop.Other\n  slot 5 Note: string\n";
        var (text, _, _) = await Apply(new PinSlotsCodeFix(), "ZS3002",
            "[ZamEvent(1)] public partial record Evt(string Note, string Id, [property: ZamMember(3)] int Count, string Extra);", manifest);
        // Note and Id keep their recorded slots (2, 0), not their places; Extra's place (3) is taken, slot 1 retired: 4.
        Assert.Equal("[ZamEvent(1)] public partial record Evt([property: ZamMember(2)] string Note, [property: ZamMember(0)] string Id, [property: ZamMember(3)] int Count, [property: ZamMember(4)] string Extra);", text);
    }
}

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
        return await compilation.WithAnalyzers([new ContractAnalyzer()], options).GetAnalyzerDiagnosticsAsync();
    }

    /// <summary>Applies the first fix offered for the first diagnostic with this id; returns the new text (without the usings) and the fix's title.</summary>
    private static async Task<(string Text, string Title, ImmutableArray<Diagnostic> After)> Apply(CodeFixProvider provider, string id, string source, string? manifest = null, int which = 0)
    {
        var document = CreateDocument(source, manifest);
        var diagnostic = (await Diagnostics(document)).Where(d => d.Id == id).OrderBy(d => d.Location.SourceSpan.Start).ElementAt(which);
        var actions = new List<CodeAction>();
        await provider.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (a, _) => actions.Add(a), CancellationToken.None));
        var action = Assert.Single(actions);
        var operation = Assert.Single((await action.GetOperationsAsync(CancellationToken.None)).OfType<ApplyChangesOperation>());
        var changed = operation.ChangedSolution.GetDocument(document.Id)!;
        string text = (await changed.GetTextAsync()).ToString();
        Assert.StartsWith(Usings, text);
        return (text.Substring(Usings.Length), action.Title, await Diagnostics(changed));
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
}

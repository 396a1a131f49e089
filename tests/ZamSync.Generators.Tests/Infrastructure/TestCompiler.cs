using System.Collections.Immutable;
using MemoryPack;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using ZamSync.Generators.Diagnostics;

namespace ZamSync.Generators.Tests.Infrastructure;

/// <summary>Compiles test contracts in memory against .NET 10, MemoryPack.Core, ZamSync.Runtime and ZamSync.Testing.</summary>
public static class TestCompiler
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly ImmutableArray<MetadataReference> References =
    [
        .. Basic.Reference.Assemblies.Net100.References.All,
        MetadataReference.CreateFromFile(typeof(MemoryPackSerializer).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(ZamEngine).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(ZamSync.Testing.InMemoryTransport).Assembly.Location),
    ];

    public static CSharpCompilation Compile(params string[] sources) => CompileAssembly("Contracts", sources);

    public static CSharpCompilation CompileAssembly(string assemblyName, params string[] sources) =>
        CSharpCompilation.Create(
            assemblyName,
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Source{i}.cs")),
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable,
                generalDiagnosticOption: ReportDiagnostic.Error, deterministic: true,
                // The SDK's defaults: binding redirects between reference-assembly versions are expected.
                specificDiagnosticOptions: [new("CS1701", ReportDiagnostic.Suppress), new("CS1702", ReportDiagnostic.Suppress)]));

    public static GeneratorDriver CreateDriver(bool trackSteps = true, ImmutableArray<AdditionalText> additionalTexts = default, AnalyzerConfigOptionsProvider? options = null) =>
        CSharpGeneratorDriver.Create(
            [new ContractGenerator().AsSourceGenerator()],
            additionalTexts: additionalTexts.IsDefault ? [] : additionalTexts,
            parseOptions: ParseOptions,
            optionsProvider: options,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>Generates and analyzes with a contract manifest (an AdditionalFile) and optional build properties.</summary>
    public static async Task<ImmutableArray<Diagnostic>> AnalyzeWithManifestAsync(string? manifest, IReadOnlyDictionary<string, string>? buildProperties, params string[] sources)
    {
        ImmutableArray<AdditionalText> texts = manifest is null ? [] : [new InMemoryAdditionalText("/project/zamsync.contract.txt", manifest)];
        var options = new GlobalOptionsProvider(buildProperties ?? new Dictionary<string, string>());
        var driver = CreateDriver(additionalTexts: texts, options: options).RunGeneratorsAndUpdateCompilation(Compile(sources), out var output, out _);
        var withAnalyzers = output.WithAnalyzers([new ContractAnalyzer()], new AnalyzerOptions(texts, options));
        var diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync();
        return diagnostics.OrderBy(d => d.Location.SourceSpan.Start).ThenBy(d => d.Id, StringComparer.Ordinal).ToImmutableArray();
    }

    /// <summary>Runs the generator with a manifest and returns the generated sources.</summary>
    public static Dictionary<string, string> GenerateWithManifest(string? manifest, params string[] sources)
    {
        ImmutableArray<AdditionalText> texts = manifest is null ? [] : [new InMemoryAdditionalText("/project/zamsync.contract.txt", manifest)];
        var driver = CreateDriver(additionalTexts: texts).RunGenerators(Compile(sources));
        return GeneratedSources(driver.GetRunResult());
    }

    /// <summary>Runs the generator; returns the compilation with generated sources and the generator's own diagnostics.</summary>
    /// <summary>
    /// Compiles <paramref name="sources"/> as assembly <paramref name="assemblyName"/> with the generator, asserts that
    /// neither step reports anything, loads the result and runs its module initializers (the formatter registrations).
    /// </summary>
    public static System.Reflection.Assembly LoadGenerated(string assemblyName, params string[] sources)
    {
        var (output, diagnostics, _) = Generate(CompileAssembly(assemblyName, sources));
        Assert.Empty(diagnostics);
        using var pe = new MemoryStream();
        var emit = output.Emit(pe);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics));
        var assembly = System.Reflection.Assembly.Load(pe.ToArray());
        System.Runtime.CompilerServices.RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);
        return assembly;
    }

    public static (Compilation Output, ImmutableArray<Diagnostic> GeneratorDiagnostics, GeneratorDriverRunResult Result) Generate(Compilation input)
    {
        var driver = CreateDriver().RunGeneratorsAndUpdateCompilation(input, out var output, out var diagnostics);
        return (output, diagnostics, driver.GetRunResult());
    }

    public static Dictionary<string, string> GeneratedSources(GeneratorDriverRunResult result) =>
        result.Results.SelectMany(r => r.GeneratedSources).ToDictionary(s => s.HintName, s => s.SourceText.ToString());

    /// <summary>Generates, then runs the contract analyzer over the result, as a real build does.</summary>
    public static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(params string[] sources)
    {
        var (output, _, _) = Generate(Compile(sources));
        var withAnalyzers = output.WithAnalyzers([new ContractAnalyzer()]);
        var diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync();
        return diagnostics.OrderBy(d => d.Location.SourceSpan.Start).ThenBy(d => d.Id, StringComparer.Ordinal).ToImmutableArray();
    }

    /// <summary>Generates, then runs <paramref name="analyzer"/> alone over the result.</summary>
    public static async Task<ImmutableArray<Diagnostic>> AnalyzeWithAsync(DiagnosticAnalyzer analyzer, params string[] sources)
    {
        var (output, _, _) = Generate(Compile(sources));
        var diagnostics = await output.WithAnalyzers([analyzer]).GetAnalyzerDiagnosticsAsync();
        return diagnostics.OrderBy(d => d.Location.SourceSpan.Start).ThenBy(d => d.Id, StringComparer.Ordinal).ToImmutableArray();
    }

    /// <summary>Text under a diagnostic's span.</summary>
    public static string SpanText(Diagnostic diagnostic) =>
        diagnostic.Location.SourceTree!.GetText().ToString(diagnostic.Location.SourceSpan);
}

/// <summary>An AdditionalFile held in memory.</summary>
public sealed class InMemoryAdditionalText(string path, string text) : AdditionalText
{
    private readonly Microsoft.CodeAnalysis.Text.SourceText _text = Microsoft.CodeAnalysis.Text.SourceText.From(text);

    public override string Path { get; } = path;

    public override Microsoft.CodeAnalysis.Text.SourceText GetText(CancellationToken cancellationToken = default) => _text;
}

/// <summary>Global analyzer options (<c>build_property.*</c>), as the SDK passes MSBuild properties to analyzers.</summary>
public sealed class GlobalOptionsProvider(IReadOnlyDictionary<string, string> values) : AnalyzerConfigOptionsProvider
{
    private sealed class Options(IReadOnlyDictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) =>
            values.TryGetValue(key, out value);
    }

    private static readonly Options Empty = new(new Dictionary<string, string>());

    public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(values);

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Empty;

    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Empty;
}

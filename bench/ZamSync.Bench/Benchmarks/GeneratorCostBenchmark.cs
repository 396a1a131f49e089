using System.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ZamSync.Bench.Harness;
using ZamSync.Generators;

namespace ZamSync.Bench.Benchmarks;

/// <summary>
/// Cost of the contract generator on a synthetic 500-event contract (one file per event, plus a state that handles
/// them all): a cold run with a new driver, and an incremental run after a one-line edit (one member's type).
/// </summary>
internal sealed class GeneratorCostBenchmark : IBenchmark
{
    private const int Events = 500;

    public string Name => "generator";

    public string Description => "Contract generator on 500 events: cold run, incremental run after a one-line edit";

    private static string EventSource(int i, string amountType) => $$"""
        using System;
        using System.Collections.Generic;
        using ZamSync;
        namespace Synthetic;
        [ZamEvent({{i + 1}})]
        public partial record Event{{i}}(
            [ZamMember(0)] string Id,
            [ZamMember(1)] {{amountType}} Amount,
            [ZamMember(2)] DateTime At,
            [ZamMember(3)] List<string>? Tags,
            [ZamMember(4)] int[]? Codes);
        """;

    private static string StateSource()
    {
        var text = new System.Text.StringBuilder("using ZamSync;\nnamespace Synthetic;\n[ZamState]\npublic partial class SyntheticState\n{\n    public long Count;\n");
        for (int i = 0; i < Events; i++) text.Append($"    void Apply(Event{i} e) => Count++;\n");
        text.Append("    public void Reset() => Count = 0;\n}\n");
        return text.ToString();
    }

    public Task<IReadOnlyList<BenchResult>> RunAsync(BenchContext context)
    {
        int repetitions = context.Quick ? 5 : 9;
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = Enumerable.Range(0, Events)
            .Select(i => CSharpSyntaxTree.ParseText(EventSource(i, "long"), parse, path: $"Event{i}.cs"))
            .Append(CSharpSyntaxTree.ParseText(StateSource(), parse, path: "State.cs"))
            .ToList();
        var compilation = CSharpCompilation.Create("Synthetic", trees,
            [.. Basic.Reference.Assemblies.Net100.References.All,
             MetadataReference.CreateFromFile(typeof(MemoryPack.MemoryPackSerializer).Assembly.Location),
             MetadataReference.CreateFromFile(typeof(ZamEngine).Assembly.Location)],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        GeneratorDriver NewDriver() => CSharpGeneratorDriver.Create([new ContractGenerator().AsSourceGenerator()], parseOptions: parse);

        var cold = Measure.Repeat(1, repetitions, () =>
        {
            var c = compilation.Clone(); // a fresh compilation: no semantic model cached from the previous run
            GC.Collect(); // nor the previous run's garbage
            long start = Stopwatch.GetTimestamp();
            var result = NewDriver().RunGenerators(c).GetRunResult();
            double ms = Measure.Milliseconds(start);
            if (result.GeneratedTrees.Length != Events + 2) throw new InvalidOperationException($"Generated {result.GeneratedTrees.Length} files, expected {Events + 2}.");
            return ms;
        });
        context.Info("cold, ms: " + cold.Describe());

        // An IDE hosts the generator for hours, so its code runs fully optimized. The .NET tiered JIT promotes hot
        // methods only once new methods stop being compiled for a while, which a few seconds of fresh Roslyn work
        // never allows; without these warm-up edits the first samples measure tier-0 code.
        int edit = 0;
        var incremental = Measure.Repeat(warmups: 10, repetitions, () =>
        {
            var driver = NewDriver().RunGenerators(compilation);
            // One line changes in one file: Event250's Amount goes from long to a new type each time.
            string type = (edit++ % 2) == 0 ? "decimal" : "int";
            var old = compilation.SyntaxTrees.Single(t => t.FilePath == "Event250.cs");
            var edited = compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(EventSource(250, type), parse, path: old.FilePath));
            GC.Collect(); // the first run's garbage is not the edit's to collect
            long start = Stopwatch.GetTimestamp();
            var result = driver.RunGenerators(edited).GetRunResult();
            double ms = Measure.Milliseconds(start);
            if (result.Diagnostics.Length != 0) throw new InvalidOperationException(string.Join("\n", result.Diagnostics));
            return ms;
        });
        context.Info("incremental after a one-line edit, ms: " + incremental.Describe());

        IReadOnlyList<BenchResult> results =
        [
            new BenchResult($"generator cold run, {Events} events", cold.Median, "ms"),
            new BenchResult($"generator incremental run after a one-line edit, {Events} events", incremental.Median, "ms", Target: "< 50 ms"),
        ];
        return Task.FromResult(results);
    }
}

using System.Reflection;
using Microsoft.CodeAnalysis;
using ZamSync.Generators.Tests.Infrastructure;

namespace ZamSync.Generators.Tests;

/// <summary>[ZamState(GenerateReset = true)]: the generated Reset run, and the rules that guard it (ZS4008, ZS4009).</summary>
public class GeneratedResetTests
{
    private const string Usings = "using System; using System.Collections.Generic; using ZamSync;\n";

    private const string Tally = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using ZamSync;
        namespace Tallies
        {
            [ZamEvent(400)] public partial record Counted(string Key, int By);
            [ZamState(GenerateReset = true, Snapshots = true)]
            public partial class Tally
            {
                public Dictionary<string, int> Counts { get; } = new(StringComparer.OrdinalIgnoreCase);
                public List<string> Seen { get; } = new() { "(start)" };
                public string Title { get; set; } = "untitled";
                public int Total { get; private set; }
                public int[] Last = [0, 0];
                void Apply(Counted e)
                {
                    Counts[e.Key] = Counts.GetValueOrDefault(e.Key) + e.By;
                    Seen.Add(e.Key);
                    Title = "counted";
                    Total += e.By;
                    Last = [e.By, Total];
                }
                public void Count(string key, int by) => Apply(new Counted(key, by));
                public string Describe() => string.Join(",", Counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => c.Key + "=" + c.Value))
                    + "|" + string.Join(",", Seen) + "|" + Title + "|" + Total + "|" + string.Join(",", Last);
            }
        }
        """;

    private static readonly Lazy<Assembly> Loaded = new(() => TestCompiler.LoadGenerated("Resets", Tally));

    private static object NewTally() => Activator.CreateInstance(Loaded.Value.GetType("Tallies.Tally", throwOnError: true)!)!;

    private static string Describe(object tally) => (string)tally.GetType().GetMethod("Describe")!.Invoke(tally, null)!;

    [Fact]
    public void The_generated_reset_puts_every_public_member_back_to_a_new_instances_value_and_keeps_collections()
    {
        var tally = NewTally();
        var counts = tally.GetType().GetProperty("Counts")!.GetValue(tally);
        tally.GetType().GetMethod("Count")!.Invoke(tally, ["Soap", 2]);
        tally.GetType().GetMethod("Count")!.Invoke(tally, ["soap", 3]);
        Assert.Equal("Soap=5|(start),Soap,soap|counted|5|3,5", Describe(tally));

        ((IStateStore)tally).Reset();

        Assert.Equal(Describe(NewTally()), Describe(tally));
        Assert.Equal("|(start)|untitled|0|0,0", Describe(tally));
        Assert.Same(counts, tally.GetType().GetProperty("Counts")!.GetValue(tally)); // cleared in place
        tally.GetType().GetMethod("Count")!.Invoke(tally, ["A", 1]);
        tally.GetType().GetMethod("Count")!.Invoke(tally, ["a", 1]);
        Assert.StartsWith("A=2|", Describe(tally)); // still OrdinalIgnoreCase
    }

    private static async Task<Diagnostic[]> Analyze(string source) =>
        (await TestCompiler.AnalyzeAsync(Usings + "[ZamEvent(1)] public partial record Evt(int X);\n" + source)).ToArray();

    [Fact]
    public async Task ZS4008_a_hand_written_reset_beside_generate_reset()
    {
        var d = Assert.Single(await Analyze("[ZamState(GenerateReset = true)] public partial class S { public int N { get; set; } void Apply(Evt e) { } public void Reset() { } }"));
        Assert.Equal("ZS4008", d.Id);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Contains("it also declares 'public void Reset()'", d.GetMessage());
    }

    [Fact]
    public async Task ZS4008_a_member_that_cannot_be_put_back_and_a_state_with_no_parameterless_constructor()
    {
        var readOnly = Assert.Single(await Analyze("[ZamState(GenerateReset = true)] public partial class S { public string Name { get; } = \"x\"; void Apply(Evt e) { } }"));
        Assert.Equal("ZS4008", readOnly.Id);
        Assert.Contains("member 'Name' is read-only", readOnly.GetMessage());
        Assert.Equal("string", TestCompiler.SpanText(readOnly));

        var noCtor = Assert.Single(await Analyze("[ZamState(GenerateReset = true)] public partial class S { public S(int seed) { N = seed; } public int N { get; set; } void Apply(Evt e) { } }"));
        Assert.Equal("ZS4008", noCtor.Id);
        Assert.Contains("no parameterless constructor", noCtor.GetMessage());
    }

    [Fact]
    public async Task ZS4009_warns_of_non_public_data_the_generated_reset_leaves_behind()
    {
        var diagnostics = await Analyze("[ZamState(GenerateReset = true)] public partial class S { private int _applied; internal List<int> Log { get; } = new(); "
            + "private readonly IComparer<int> _order = Comparer<int>.Default; public int N { get; set; } void Apply(Evt e) { _applied++; Log.Add(e.X); } }");
        Assert.True(diagnostics.Select(d => d.Id).SequenceEqual(["ZS4009", "ZS4009"]), string.Join("\n", diagnostics.Select(d => d.ToString())));
        Assert.All(diagnostics, d => Assert.Equal(DiagnosticSeverity.Warning, d.Descriptor.DefaultSeverity)); // the test compiler treats warnings as errors
        Assert.Contains("'_applied' of state 'S' is not public", diagnostics[0].GetMessage());
        Assert.Contains("'Log' of state 'S' is not public", diagnostics[1].GetMessage());
    }

    [Fact]
    public async Task Without_generate_reset_a_missing_reset_is_still_ZS4004()
    {
        var d = Assert.Single(await Analyze("[ZamState] public partial class S { void Apply(Evt e) { } }"));
        Assert.Equal("ZS4004", d.Id);
    }
}

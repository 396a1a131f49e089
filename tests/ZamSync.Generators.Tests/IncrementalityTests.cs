using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ZamSync.Generators.Model;
using ZamSync.Generators.Tests.Infrastructure;
using Names = ZamSync.Generators.ContractGenerator.TrackingNames;

namespace ZamSync.Generators.Tests;

public class IncrementalityTests
{
    private static readonly string[] OurSteps = [Names.Events, Names.ValidEvents, Names.Manifest, Names.Registry, Names.States, Names.ValidStates];

    private const string Unrelated = "namespace Other; public class Helper { public int Value => 1; }";

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) First(params string[] sources)
    {
        var compilation = TestCompiler.Compile(sources);
        return (TestCompiler.CreateDriver().RunGenerators(compilation), compilation);
    }

    private static CSharpCompilation Replace(CSharpCompilation compilation, int index, string source) =>
        compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.ElementAt(index),
            CSharpSyntaxTree.ParseText(source, TestCompiler.ParseOptions, path: compilation.SyntaxTrees.ElementAt(index).FilePath));

    private static IEnumerable<IncrementalStepRunReason> Reasons(GeneratorRunResult result, string step) =>
        result.TrackedSteps.TryGetValue(step, out var runs) ? runs.SelectMany(r => r.Outputs).Select(o => o.Reason) : [];

    [Fact]
    public void The_same_compilation_twice_is_all_cached()
    {
        var (driver, compilation) = First(Contracts.Clinic);

        var result = driver.RunGenerators(compilation.Clone()).GetRunResult().Results[0];

        foreach (var step in OurSteps)
        {
            Assert.All(Reasons(result, step), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {r}"));
        }
        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(r => r.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void An_unrelated_edit_leaves_every_step_cached_or_unchanged()
    {
        var (driver, compilation) = First(Contracts.Clinic, Unrelated);

        var edited = Replace(compilation, 1, Unrelated.Replace("=> 1", "=> 2"));
        var result = driver.RunGenerators(edited).GetRunResult().Results[0];

        foreach (var step in OurSteps)
        {
            Assert.All(Reasons(result, step), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {r}"));
        }
        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(r => r.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void Changing_a_member_type_modifies_the_event_and_the_registry()
    {
        var (driver, compilation) = First(Contracts.Clinic);

        var edited = Replace(compilation, 0, Contracts.Clinic.Replace("int Systolic", "long Systolic"));
        var result = driver.RunGenerators(edited).GetRunResult().Results[0];

        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(result, Names.Events));
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(result, Names.Registry));
        var sources = TestCompiler.GeneratedSources(driver.RunGenerators(edited).GetRunResult());
        Assert.Contains("Systolic: long", sources["ZamSync.Generated.ZamContracts.g.cs"]);
    }

    [Fact]
    public void Adding_an_event_leaves_the_other_events_outputs_cached()
    {
        string a = "namespace N; [ZamSync.ZamEvent(1)] public partial record A(int X);";
        var (driver, compilation) = First(a);

        var withB = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(
            "namespace N; [ZamSync.ZamEvent(2)] public partial record B(string Y);", TestCompiler.ParseOptions, path: "B.cs"));
        driver = driver.RunGenerators(withB);
        var result = driver.GetRunResult().Results[0];

        var events = Reasons(result, Names.ValidEvents).ToList();
        Assert.Equal([IncrementalStepRunReason.Cached, IncrementalStepRunReason.New], events);
        // The per-event source output of A is cached; only B's is new (the registry changes, as it must).
        var outputs = result.TrackedOutputSteps["SourceOutput"].SelectMany(r => r.Outputs).Select(o => o.Reason).ToList();
        Assert.Contains(IncrementalStepRunReason.Cached, outputs);
        Assert.Contains(IncrementalStepRunReason.New, outputs);
        Assert.Contains("N.B.ZamEvent.g.cs", result.GeneratedSources.Select(s => s.HintName));
    }

    [Fact]
    public void Changing_a_member_type_leaves_the_state_cached()
    {
        var (driver, compilation) = First(Contracts.Clinic);

        var edited = Replace(compilation, 0, Contracts.Clinic.Replace("int Systolic", "long Systolic"));
        var result = driver.RunGenerators(edited).GetRunResult().Results[0];

        // The state's handlers take their ids from the events; a member type is not part of that, so the state's
        // model (and with it its source output) stays as it was.
        var states = Reasons(result, Names.ValidStates).ToList();
        Assert.NotEmpty(states);
        Assert.All(states, r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
    }

    [Fact]
    public void Changing_an_event_id_regenerates_the_states_dispatch()
    {
        var (driver, compilation) = First(Contracts.Clinic);

        var edited = Replace(compilation, 0, Contracts.Clinic.Replace("[ZamEvent(2)]", "[ZamEvent(7)]"));
        var result = driver.RunGenerators(edited).GetRunResult().Results[0];

        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(result, Names.ValidStates));
        var state = TestCompiler.GeneratedSources(driver.RunGenerators(edited).GetRunResult())["Clinic.ClinicState.ZamState.g.cs"];
        Assert.Contains("case 7u:", state);
        Assert.DoesNotContain("case 2u:", state);
    }

    // ---- the model graph holds no Roslyn object ------------------------------------------------------------

    private static readonly Type[] Forbidden = [typeof(ISymbol), typeof(SyntaxNode), typeof(Compilation), typeof(SemanticModel), typeof(Location), typeof(AttributeData), typeof(SyntaxTree)];

    [Fact]
    public void Models_hold_no_symbol_syntax_or_compilation()
    {
        // Types: every field of every model type (and the types they reach) is a plain value.
        var seen = new HashSet<Type>();
        void Walk(Type type, string path)
        {
            if (!seen.Add(type) || type.IsPrimitive || type == typeof(string) || type.IsEnum) return;
            Assert.False(Forbidden.Any(f => f.IsAssignableFrom(type)), $"{path} is a {type}");
            Assert.NotEqual(typeof(object), type);
            foreach (var arg in type.IsGenericType ? type.GetGenericArguments() : []) Walk(arg, path + "<" + arg.Name + ">");
            if (type.IsArray) Walk(type.GetElementType()!, path + "[]");
            foreach (var f in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)) Walk(f.FieldType, path + "." + f.Name);
        }
        foreach (var t in typeof(EventModel).Assembly.GetTypes().Where(t => t.Namespace == typeof(EventModel).Namespace && !t.IsAbstract))
        {
            Walk(t, t.Name);
        }
        Walk(typeof(ContractGenerator.ParseResult<EventModel>), "ParseResult<EventModel>");
        Walk(typeof(ContractGenerator.ParseResult<StateDraft>), "ParseResult<StateDraft>");

        // Values: the actual outputs of every tracked step, walked object by object.
        var (driver, _) = First(Contracts.Clinic, Contracts.Shop);
        var values = driver.GetRunResult().Results[0].TrackedSteps
            .Where(s => OurSteps.Contains(s.Key))
            .SelectMany(s => s.Value).SelectMany(r => r.Outputs).Select(o => o.Value).ToList();
        Assert.NotEmpty(values);
        var visited = new HashSet<object>(ReferenceEqualityComparer.Instance);
        void WalkValue(object? value, string path)
        {
            if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum) return;
            if (!value.GetType().IsValueType && !visited.Add(value)) return;
            Assert.False(Forbidden.Any(f => f.IsInstanceOfType(value)), $"{path} holds a {value.GetType()}");
            if (value is IEnumerable items)
            {
                int i = 0;
                foreach (var item in items) WalkValue(item, $"{path}[{i++}]");
            }
            foreach (var f in value.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)) WalkValue(f.GetValue(value), path + "." + f.Name);
        }
        foreach (var v in values) WalkValue(v, v?.GetType().Name ?? "null");
    }
}

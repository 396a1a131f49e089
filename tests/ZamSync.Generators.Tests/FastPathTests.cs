using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ZamSync.Generators.Model;
using ZamSync.Generators.Parsing;
using ZamSync.Generators.Tests.Infrastructure;

namespace ZamSync.Generators.Tests;

/// <summary>
/// The generator reads contracts from syntax (EventSyntaxParser, StateSyntaxParser) and falls back to the symbol
/// parsers, which define the models, for any shape the syntax readers decline. These tests hold the fast path to
/// that definition: on every shape, it either declines or produces exactly the symbol parser's model; and the
/// shapes contracts are made of do take it (otherwise the fast path is dead code and the generator slow).
/// </summary>
public class FastPathTests
{
    /// <summary>Shapes the syntax reader handles, each with something that could trip it.</summary>
    private const string FastShapes = """
        using System;
        using System.Collections.Generic;
        using ZamSync;

        namespace Shapes;

        public enum Colour : short { Red, Green }

        [ZamEvent(1)] public partial record Positional(string Id, int Count, DateOnly Day, Guid Key);
        [ZamEvent(2)] public partial record struct MutableStruct(long A, string? B);
        [ZamEvent(3)] public readonly partial record struct ReadonlyStruct(int A, Colour C);
        [ZamEvent(4)] public partial record PinnedPositional([ZamMember(2)] string A, [ZamMember(0)] int B);
        [ZamEvent(14)] public partial record TargetedPositional([property: ZamMember(1)] string A, [param: ZamMember(0)] int B, [property: ZamMember(2), System.ComponentModel.Description("c")] int C = 0);
        [ZamEventAttribute(5u)] public partial record Suffixed(int A);
        [global::ZamSync.ZamEvent(6)] public partial record Qualified(int A);
        [ZamEvent(7)]
        public sealed partial class Fields
        {
            public int Mutable;
            public string? Text;
            public const int Constant = 3;
            public static int Shared;
            private int _hidden;
            public int Hidden => _hidden;
        }
        [ZamEvent(8)]
        public partial class Properties
        {
            public string? Note { get; set; }
            public List<string?>? Tags { get; init; }
            public string?[] Names { get; set; } = [];
            public Dictionary<string, List<int?>> Map { get; set; } = new();
            public int? Maybe { get; set; }
            public Colour[] Colours { get; set; } = [];
            public Positional? Nested { get; set; }
            public List<Positional> NestedList { get; set; } = new();
            public int Computed => Map.Count;
            internal int NotPublic { get; set; }
            public int this[int i] => i;
        }
        public partial class Outer
        {
            [ZamEvent(9)] public partial record Inner(int A);
        }
        [ZamEvent(10)] public partial record NominalRecord { public int A { get; init; } public string B { get; init; } = ""; }
        [ZamEvent(11)] public partial record WithBody(int A) { public int Twice => A * 2; public void Helper() { } }
        #nullable disable
        [ZamEvent(12)] public partial class Oblivious { public string Text { get; set; } public string? Annotated { get; set; } public List<string> Items { get; set; } }
        #nullable restore
        [ZamEvent(13)] public partial struct PlainStruct { [ZamMember(1)] public int A { get; set; } [ZamMember(0)] public string B { get; set; } }

        [ZamState]
        public partial class ShapesState
        {
            void Apply(Positional e) { }
            void Apply(MutableStruct e, EventContext context) { }
            void Apply(ReadonlyStruct e, in EventContext context) { }
            void Apply(Outer.Inner e) { }
            void Apply(Properties? e) { }
            public void Reset() { }
            public void Helper() { }
        }
        """;

    /// <summary>Shapes the syntax reader must leave to the symbol parser (valid or not).</summary>
    private const string SlowShapes = """
        using System;
        using System.Collections.Generic;
        using ZamSync;

        namespace Slow;

        public static class Ids { public const uint Moved = 20; }
        public interface IHasId { string Id { get; } }

        [ZamEvent(Ids.Moved)] public partial record ConstantId(int A);
        [ZamEvent(21)] public partial record WithInterface(string Id) : IHasId;
        [ZamEvent(22)] public partial class WithConstructor { public WithConstructor(int a) { A = a; } public int A { get; } }
        [ZamEvent(23)] public partial class WithBodies { private int _a; public int A { get => _a; set => _a = value; } }
        [ZamEvent(24)] public partial class GetOnly { public int A { get; } }
        [ZamEvent(25)] public partial record Mixed([ZamMember(0)] int A, int B);
        [ZamEvent(26)] public partial record DuplicateSlot([ZamMember(0)] int A, [ZamMember(0)] int B);
        [ZamEvent(27)] public partial record Unserializable(object A);
        [ZamEvent(28)] public partial record Split(int A);
        public partial record Split { public int B { get; init; } }
        [ZamEvent(29)] public partial record FieldTargeted([field: ZamMember(0)] int A);
        [ZamEvent(38)] public partial class FieldTargetedProperty { [field: ZamMember(0)] public int A { get; set; } }
        [ZamEvent(39)] public partial record TwoSlots([property: ZamMember(0)] [param: ZamMember(1)] int A);
        [ZamEvent(0)] public partial record ZeroId(int A);
        [ZamEvent(30)] public partial record CaseClash(int Value) { public int value; }
        [ZamEvent(31)] public partial class TwoFields { public int A, B; }
        [ZamEvent(32)] public partial record Generic<T>(T A);
        [ZamEvent(33)] public partial record SlotExpression([ZamMember(1 + 1)] int A);
        [ZamEvent(34)] public partial class ReadonlyField { public readonly string Fixed = ""; }
        [ZamEvent(35)] public partial record RefParameter(in int A);
        [ZamEvent(36)] public partial record HiddenPositional(int X, int Y) { private int X { get; } = X; }
        [ZamEvent(37)] public partial record FieldForPositional(int X) { internal readonly int X = X; }

        [ZamState(Snapshots = true)]
        public partial class SnapshotState { [ZamMember(0)] public int Count { get; set; } void Apply(ConstantId e) { } public void Reset() { } }
        [ZamState]
        public partial class NoReset { void Apply(ConstantId e) { } }
        [ZamState]
        public partial class NotAnEvent { void Apply(string e) { } public void Reset() { } }
        [ZamState]
        public partial class Twice { void Apply(ConstantId e) { } void Apply(ConstantId e, EventContext c) { } public void Reset() { } }
        """;

    private sealed record Parsed(string Name, EventModel Symbol, EventModel? Fast);

    private static List<Parsed> ParseEvents(Compilation compilation)
    {
        var result = new List<Parsed>();
        foreach (var tree in compilation.SyntaxTrees)
        {
            var model = compilation.GetSemanticModel(tree);
            foreach (var declaration in tree.GetRoot().DescendantNodes().OfType<TypeDeclarationSyntax>().Where(EventSyntaxParser.IsCandidate))
            {
                var type = model.GetDeclaredSymbol(declaration)!;
                var attributeData = SymbolHelpers.FindAttribute(type, SymbolHelpers.ZamEventAttribute)!;
                var attribute = AttributeNames.Find(declaration.AttributeLists, AttributeNames.ZamEvent, out _)!;
                var symbol = EventParser.Parse(type, attributeData, null, CancellationToken.None);
                var fast = EventSyntaxParser.TryParse(declaration, type, attribute, model, CancellationToken.None);
                result.Add(new Parsed(type.Name, symbol, fast));
            }
        }
        return result;
    }

    private static List<(string Name, StateModel Symbol, StateModel? Fast)> ParseStates(Compilation compilation)
    {
        var ids = ParseEvents(compilation).Select(p => new EventIdEntry(p.Symbol.Type.FullyQualifiedName, p.Symbol.Id)).ToEquatableArray();
        var result = new List<(string, StateModel, StateModel?)>();
        foreach (var tree in compilation.SyntaxTrees)
        {
            var model = compilation.GetSemanticModel(tree);
            foreach (var declaration in tree.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>().Where(StateSyntaxParser.IsCandidate))
            {
                var type = model.GetDeclaredSymbol(declaration)!;
                var attribute = AttributeNames.Find(declaration.AttributeLists, AttributeNames.ZamState, out _)!;
                var symbol = StateParser.Parse(type, null, CancellationToken.None);
                var draft = StateSyntaxParser.TryParse(declaration, type, attribute, model, CancellationToken.None);
                result.Add((type.Name, symbol, draft is null ? null : StateResolution.Resolve(draft, ids)));
            }
        }
        return result;
    }

    [Theory]
    [InlineData(nameof(Contracts.Clinic))]
    [InlineData(nameof(Contracts.Shop))]
    [InlineData(nameof(Contracts.Ledger))]
    [InlineData(nameof(FastShapes))]
    [InlineData(nameof(SlowShapes))]
    public void The_fast_event_model_is_the_symbol_model_or_nothing(string contract)
    {
        var events = ParseEvents(TestCompiler.Compile(Source(contract)));

        Assert.NotEmpty(events);
        foreach (var e in events.Where(e => e.Fast is not null)) Assert.Equal(e.Symbol, e.Fast);
    }

    [Theory]
    [InlineData(nameof(Contracts.Clinic))]
    [InlineData(nameof(Contracts.Ledger))]
    [InlineData(nameof(FastShapes))]
    [InlineData(nameof(SlowShapes))]
    public void The_fast_state_model_is_the_symbol_model_or_nothing(string contract)
    {
        var states = ParseStates(TestCompiler.Compile(Source(contract)));

        Assert.NotEmpty(states);
        foreach (var (name, symbol, fast) in states.Where(s => s.Fast is not null)) Assert.True(symbol == fast, $"{name}: {symbol} != {fast}");
    }

    [Fact]
    public void Contract_shapes_take_the_fast_path()
    {
        var events = ParseEvents(TestCompiler.Compile(FastShapes, Contracts.Clinic, Contracts.Shop));
        Assert.All(events, e => Assert.True(e.Fast is not null, e.Name + " took the symbol parser"));
        Assert.All(events, e => Assert.True(e.Symbol.IsValid, e.Name + " is invalid"));

        var states = ParseStates(TestCompiler.Compile(FastShapes, Contracts.Clinic));
        Assert.All(states, s => Assert.True(s.Fast is not null, s.Name + " took the symbol parser"));
    }

    [Fact]
    public void The_clinic_samples_contract_takes_the_fast_path()
    {
        string directory = Path.Combine(Repository.Root, "samples", "Clinic.Contracts");
        var sources = Directory.GetFiles(directory, "*.cs").Order(StringComparer.Ordinal).Select(File.ReadAllText)
            .Append("global using System; global using System.Collections.Generic; global using System.Linq;").ToArray();
        var compilation = TestCompiler.Compile(sources);

        var events = ParseEvents(compilation);
        Assert.Equal(8, events.Count);
        Assert.All(events, e => Assert.Equal(e.Symbol, e.Fast));
        Assert.All(events, e => Assert.True(e.Symbol.IsValid, e.Name));
        // The clinic's state takes snapshots, which only the symbol parser reads: the syntax reader declines it.
        var states = ParseStates(compilation);
        Assert.All(states, s => Assert.True(s.Fast is null ? s.Symbol.Snapshot is { DataTypes.Count: > 0 } : s.Symbol == s.Fast, s.Name));
    }

    [Fact]
    public void Other_shapes_are_left_to_the_symbol_parser()
    {
        var events = ParseEvents(TestCompiler.Compile(SlowShapes));
        Assert.All(events, e => Assert.True(e.Fast is null, e.Name + " took the fast path"));

        var states = ParseStates(TestCompiler.Compile(SlowShapes));
        Assert.All(states, s => Assert.True(s.Fast is null, s.Name + " took the fast path"));
    }

    [Fact]
    public void A_handler_of_an_unknown_type_makes_the_resolved_state_invalid()
    {
        var draft = new StateDraft(
            new TypeIdentity("N", "S", "global::N.S", "class", false, EquatableArray<ContainingTypeModel>.Empty),
            new[] { new HandlerDraft(null, "global::N.Missing", false, false), new HandlerDraft(7, "global::Other.Known", false, true) }.ToEquatableArray(),
            Snapshot: null, IsValid: true);

        var model = StateResolution.Resolve(draft, new[] { new EventIdEntry("global::N.Present", 3) }.ToEquatableArray());

        Assert.False(model.IsValid);
        Assert.Equal([7u], model.Handlers.Select(h => h.EventId));
    }

    private static string Source(string name) => name switch
    {
        nameof(FastShapes) => FastShapes,
        nameof(SlowShapes) => SlowShapes,
        _ => GeneratedCodeTests.Source(name),
    };
}

using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ZamSync.Generators.Model;
using ZamSync.Generators.Parsing;
using ZamSync.Generators.Tests.Infrastructure;

namespace ZamSync.Generators.Tests;

/// <summary>
/// Random event declarations, valid and invalid, mixing every shape the syntax reader knows with ones it must
/// decline: whenever it returns a model, that model must be the symbol parser's. Seeds are fixed, so a failure names
/// the seed and the declaration, and reruns the same.
/// </summary>
public class FastPathFuzzTests
{
    private static readonly string[] Types =
    [
        "int", "long", "string", "string?", "int?", "decimal", "DateTime", "DateOnly?", "Guid", "byte[]", "int[]?", "string?[]",
        "List<string>", "List<string?>?", "Dictionary<string, int>", "Colour", "Colour?", "Nested", "Nested?", "List<Nested>",
        "object", "Action", "IEnumerable<int>", "HashSet<long>", "(int, string)", "nint",
    ];

    private static readonly string[] Names = ["Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta", "Eta", "Theta"];

    private static readonly string[] Accessors =
    [
        "{ get; set; }", "{ get; init; }", "{ get; }", "{ get; private set; }", "{ get; protected init; }", "=> default!;",
        "{ get => default!; }", "{ get => default!; set { } }", "{ set { } }",
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void Random_declarations_read_the_same_either_way(int seed)
    {
        var random = new Random(seed);
        var source = new StringBuilder("""
            using System;
            using System.Collections.Generic;
            using ZamSync;
            namespace Fuzz;
            public enum Colour : byte { Red, Green }
            [ZamEvent(1)] public partial record Nested(int A);

            """);
        for (int i = 0; i < 60; i++) source.AppendLine(Declaration(random, id: 100 + i));
        string text = source.ToString();
        var compilation = TestCompiler.Compile(text);

        int fast = 0, total = 0;
        var tree = compilation.SyntaxTrees.Single();
        var model = compilation.GetSemanticModel(tree);
        foreach (var declaration in tree.GetRoot().DescendantNodes().OfType<TypeDeclarationSyntax>().Where(EventSyntaxParser.IsCandidate))
        {
            var type = model.GetDeclaredSymbol(declaration)!;
            if (SymbolHelpers.FindAttribute(type, SymbolHelpers.ZamEventAttribute) is not { } data) continue;
            var attribute = AttributeNames.Find(declaration.AttributeLists, AttributeNames.ZamEvent, out _)!;
            var expected = EventParser.Parse(type, data, null, CancellationToken.None);
            var actual = EventSyntaxParser.TryParse(declaration, type, attribute, model, CancellationToken.None);
            total++;
            if (actual is null) continue;
            fast++;
            Assert.True(expected == actual, $"seed {seed}, {type.Name}:\n{declaration.ToFullString()}\nsymbol: {Describe(expected)}\nsyntax: {Describe(actual)}");
        }

        Assert.Equal(61, total);
        // The generator must exercise the fast path, not only decline.
        Assert.True(fast >= 12, $"seed {seed}: only {fast} of {total} declarations took the fast path");
    }

    private static string Declaration(Random random, int id)
    {
        string name = "E" + id;
        // Each part is right most of the time, so most declarations carry at most one twist and the fast path meets
        // every twist on an otherwise valid declaration.
        bool Right() => random.Next(100) < 85;
        int slotMode = Right() ? random.Next(2) : 2; // 0 implicit, 1 pinned, 2 mixed
        var slots = Enumerable.Range(0, 8).OrderBy(_ => random.Next()).ToList();
        int nextSlot = 0;
        string Slot(string? target)
        {
            bool give = slotMode == 1 || (slotMode == 2 && random.Next(2) == 0);
            if (!give) return "";
            int slot = Right() ? slots[nextSlot++ % slots.Count] : (random.Next(2) == 0 ? slots[0] : 249);
            return target is null ? $"[ZamMember({slot})] " : $"[{target}: ZamMember({slot})] ";
        }
        string Type() => Right() ? Types[random.Next(20)] : Types[random.Next(Types.Length)];
        var names = Names.OrderBy(_ => random.Next()).Take(random.Next(1, 5)).ToList();

        int shape = random.Next(6);
        string keyword = shape switch { 0 or 3 => "record", 1 or 2 => "record struct", 4 => "class", _ => "struct" };
        var modifiers = new List<string> { "public" };
        if (keyword == "class" && random.Next(3) == 0) modifiers.Add("sealed");
        if (shape == 2) modifiers.Add("readonly");
        if (Right()) modifiers.Add("partial");
        var text = new StringBuilder($"[ZamEvent({(Right() ? id.ToString() : "0")})] {string.Join(" ", modifiers)} {keyword} {name}");
        if (shape <= 2)
        {
            var parameters = names.Select(n =>
            {
                string target = Right() ? (random.Next(2) == 0 ? "property" : "param") : "field";
                string modifier = Right() ? "" : "in ";
                return $"{Slot(random.Next(2) == 0 ? null : target)}{modifier}{Type()} {n}";
            });
            text.Append($"({string.Join(", ", parameters)})");
        }
        text.Append(Body(random, Right, Slot, Type, name, names, positional: shape <= 2));
        return text.ToString();
    }

    private static string Body(Random random, Func<bool> right, Func<string?, string> slot, Func<string> type, string typeName, List<string> names, bool positional)
    {
        var members = new List<string>();
        var bodyNames = positional ? Names.Except(names).OrderBy(_ => random.Next()).Take(random.Next(0, 3)).ToList() : names;
        foreach (var n in bodyNames)
        {
            string memberType = type();
            if (random.Next(3) == 0)
            {
                string modifiers = right() ? "public" : new[] { "public readonly", "internal", "public static", "private" }[random.Next(4)];
                members.Add($"{slot(random.Next(4) == 0 ? "field" : null)}{modifiers} {memberType} {n};");
            }
            else
            {
                string accessors = right() ? Accessors[random.Next(2)] : Accessors[2 + random.Next(Accessors.Length - 2)];
                string modifiers = right() ? "public" : "internal";
                members.Add($"{slot(random.Next(4) == 0 ? "property" : null)}{modifiers} {memberType} {n} {accessors}");
            }
        }
        if (!right()) members.Add("public int Computed => 1;");
        if (!right()) members.Add(positional ? $"private int {names[0]} {{ get; }} = default;" : $"public {typeName}(int seed) {{ }}");
        if (!right()) members.Add($"public int {names[0].ToLowerInvariant()};");
        if (members.Count == 0) return positional && random.Next(2) == 0 ? ";" : " { }";
        return " { " + string.Join(" ", members.OrderBy(_ => random.Next())) + " }";
    }

    private static string Describe(Model.EventModel model) =>
        $"valid {model.IsValid}, id {model.Id}, slots {model.SlotCount}, members [{string.Join("; ", model.Members.Select(m => $"{m.Slot}:{m.Name}:{m.TypeName}:{m.Kind}:{m.IsSettable}"))}], " +
        $"construction ({string.Join(",", model.Construction.ConstructorArguments)} | {string.Join(",", model.Construction.Initialized)} | {model.Construction.CanOverwrite})";
}

/// <summary>The same for states: random Apply and Reset shapes, valid and not, against the symbol parser.</summary>
public class StateFastPathFuzzTests
{
    private static readonly string[] ApplyShapes =
    [
        "void Apply({0} e) {{ }}", "void Apply({0} e, EventContext c) {{ }}", "void Apply({0} e, in EventContext c) {{ }}",
        "public void Apply({0} e) {{ }}", "static void Apply({0} e) {{ }}", "int Apply({0} e) => 0;", "void Apply<T>({0} e) {{ }}",
        "void Apply(ref {0} e) {{ }}", "void Apply({0} e, EventContext c, int extra) {{ }}", "void Apply() {{ }}",
        "void Apply({0} e, ref EventContext c) {{ }}", "void Apply({0} e, int notContext) {{ }}", "void Apply({0}? e) {{ }}",
    ];

    private static readonly string[] EventTypes = ["A", "B", "C", "Outer.Nested", "S", "string", "int", "Colour", "NotAnEvent", "Missing"];

    private static readonly string[] Resets =
    [
        "public void Reset() { }", "void Reset() { }", "public static void Reset() { }", "public int Reset() => 0;",
        "public void Reset(int x) { }", "public void Reset<T>() { }", "",
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void Random_states_read_the_same_either_way(int seed)
    {
        var random = new Random(seed);
        var source = new StringBuilder("""
            using System;
            using ZamSync;
            namespace Fuzz;
            public enum Colour { Red }
            public sealed class NotAnEvent { }
            [ZamEvent(1)] public partial record A(int X);
            [ZamEvent(2)] public partial record B(string Y);
            [ZamEvent(3)] public partial class C { public int Z { get; set; } }
            [ZamEvent(4)] public partial struct S { public int W { get; set; } }
            public partial class Outer { [ZamEvent(5)] public partial record Nested(long V); }

            """);
        // Each part is right most of the time, so most states have at most one twist and the fast path is tested
        // against every twist on an otherwise valid state.
        bool Right() => random.Next(100) < 85;
        for (int i = 0; i < 60; i++)
        {
            var handled = EventTypes.Take(5).OrderBy(_ => random.Next()).Take(random.Next(0, 6)).ToList();
            var members = handled.Select(t => string.Format(ApplyShapes[Right() ? random.Next(4) : random.Next(ApplyShapes.Length)], t)).ToList();
            if (!Right()) members.Add(string.Format(ApplyShapes[random.Next(3)], EventTypes[5 + random.Next(5)]));
            if (!Right() && handled.Count > 0) members.Add(string.Format(ApplyShapes[1 + random.Next(2)], handled[0])); // handled twice
            members.Add(Right() ? Resets[0] : Resets[random.Next(Resets.Length)]);
            string attribute = Right() ? "[ZamState]" : "[ZamState(Snapshots = false)]";
            string partial = Right() ? "partial " : "";
            source.AppendLine($"{attribute} public {partial}class State{i} {{ {string.Join(" ", members.OrderBy(_ => random.Next()))} }}");
        }
        var compilation = TestCompiler.Compile(source.ToString());
        var tree = compilation.SyntaxTrees.Single();
        var model = compilation.GetSemanticModel(tree);

        var ids = new List<EventIdEntry>();
        foreach (var declaration in tree.GetRoot().DescendantNodes().OfType<TypeDeclarationSyntax>().Where(EventSyntaxParser.IsCandidate))
        {
            var type = model.GetDeclaredSymbol(declaration)!;
            var e = EventParser.Parse(type, SymbolHelpers.FindAttribute(type, SymbolHelpers.ZamEventAttribute)!, null, CancellationToken.None);
            ids.Add(new EventIdEntry(e.Type.FullyQualifiedName, e.Id));
        }

        int fast = 0;
        foreach (var declaration in tree.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>().Where(StateSyntaxParser.IsCandidate))
        {
            var type = model.GetDeclaredSymbol(declaration)!;
            var attribute = AttributeNames.Find(declaration.AttributeLists, AttributeNames.ZamState, out _)!;
            var expected = StateParser.Parse(type, null, CancellationToken.None);
            var draft = StateSyntaxParser.TryParse(declaration, type, attribute, model, CancellationToken.None);
            if (draft is null) continue;
            fast++;
            var actual = StateResolution.Resolve(draft, ids.ToEquatableArray());
            Assert.True(expected == actual, $"seed {seed}, {type.Name}:\n{declaration.ToFullString()}\nsymbol: {Describe(expected)}\nsyntax: {Describe(actual)}");
        }
        Assert.True(fast >= 10, $"seed {seed}: only {fast} of 60 states took the fast path");
    }

    private static string Describe(Model.StateModel model) =>
        $"valid {model.IsValid}, handlers [{string.Join("; ", model.Handlers.Select(h => $"{h.EventId}:{h.EventTypeName}:{h.EventIsValueType}:{h.TakesContext}"))}]";
}

using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
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
        Assert.True(fast >= 25, $"seed {seed}: only {fast} of {total} declarations took the fast path");
    }

    private static string Declaration(Random random, int id)
    {
        string name = "E" + id;
        // A clean valid shape half the time, so the fast path is exercised as much as the declines.
        bool tidy = random.Next(2) == 0;
        int slotMode = tidy ? random.Next(2) : random.Next(3); // 0 implicit, 1 pinned, 2 mixed
        var slots = Enumerable.Range(0, 8).OrderBy(_ => random.Next()).ToList();
        int nextSlot = 0;
        string Slot(string? target)
        {
            bool give = slotMode == 1 || (slotMode == 2 && random.Next(2) == 0);
            if (!give) return "";
            int slot = !tidy && random.Next(10) == 0 ? slots[0] : slots[nextSlot++ % slots.Count];
            if (!tidy && random.Next(15) == 0) slot = 249;
            return target is null ? $"[ZamMember({slot})] " : $"[{target}: ZamMember({slot})] ";
        }
        string Type() => tidy ? Types[random.Next(20)] : Types[random.Next(Types.Length)];
        var names = Names.OrderBy(_ => random.Next()).Take(random.Next(1, 5)).ToList();

        int shape = random.Next(6);
        string keyword = shape switch { 0 or 3 => "record", 1 or 2 => "record struct", 4 => "class", _ => "struct" };
        var modifiers = new List<string> { "public" };
        if (keyword == "class" && random.Next(3) == 0) modifiers.Add("sealed");
        if (shape == 2) modifiers.Add("readonly");
        if (tidy || random.Next(12) > 0) modifiers.Add("partial");
        var text = new StringBuilder($"[ZamEvent({(!tidy && random.Next(10) == 0 ? "0" : id.ToString())})] {string.Join(" ", modifiers)} {keyword} {name}");
        if (shape <= 2)
        {
            var parameters = names.Select(n =>
            {
                string target = tidy ? (random.Next(2) == 0 ? "property" : "param") : new[] { "property", "param", "field" }[random.Next(3)];
                string modifier = !tidy && random.Next(15) == 0 ? "in " : "";
                return $"{Slot(random.Next(2) == 0 ? null : target)}{modifier}{Type()} {n}";
            });
            text.Append($"({string.Join(", ", parameters)})");
        }
        text.Append(Body(random, tidy, Slot, Type, name, names, positional: shape <= 2));
        return text.ToString();
    }

    private static string Body(Random random, bool tidy, Func<string?, string> slot, Func<string> type, string typeName, List<string> names, bool positional)
    {
        var members = new List<string>();
        var bodyNames = positional ? Names.Except(names).OrderBy(_ => random.Next()).Take(random.Next(0, 3)).ToList() : names;
        foreach (var n in bodyNames)
        {
            string memberType = type();
            if (random.Next(3) == 0)
            {
                string modifiers = tidy ? "public" : new[] { "public", "public readonly", "internal", "public static", "private" }[random.Next(5)];
                members.Add($"{slot(random.Next(4) == 0 ? "field" : null)}{modifiers} {memberType} {n};");
            }
            else
            {
                string accessors = tidy ? Accessors[random.Next(2)] : Accessors[random.Next(Accessors.Length)];
                string modifiers = tidy || random.Next(6) > 0 ? "public" : "internal";
                members.Add($"{slot(random.Next(4) == 0 ? "property" : null)}{modifiers} {memberType} {n} {accessors}");
            }
        }
        if (!tidy && random.Next(6) == 0) members.Add("public int Computed => 1;");
        if (!tidy && random.Next(8) == 0) members.Add(positional ? $"private int {names[0]} {{ get; }} = default;" : $"public {typeName}(int seed) {{ }}");
        if (!tidy && random.Next(8) == 0) members.Add($"public int {names[0].ToLowerInvariant()};");
        if (members.Count == 0) return positional && random.Next(2) == 0 ? ";" : " { }";
        return " { " + string.Join(" ", members) + " }";
    }

    private static string Describe(Model.EventModel model) =>
        $"valid {model.IsValid}, id {model.Id}, slots {model.SlotCount}, members [{string.Join("; ", model.Members.Select(m => $"{m.Slot}:{m.Name}:{m.TypeName}:{m.Kind}:{m.IsSettable}"))}], " +
        $"construction ({string.Join(",", model.Construction.ConstructorArguments)} | {string.Join(",", model.Construction.Initialized)} | {model.Construction.CanOverwrite})";
}

using System.Reflection;
using Microsoft.CodeAnalysis;
using ZamSync.Generators.Tests.Infrastructure;

namespace ZamSync.Generators.Tests;

/// <summary>The parsers' fast type spelling must be exactly what ToDisplayString writes with the same format.</summary>
public class TypeNamesTests
{
    private const string Shapes = """
        #nullable enable
        using System;
        using System.Collections.Generic;
        namespace A.B
        {
            public enum Color { Red }
            public class Outer { public class Inner { } public struct S { } }
            public class Gen<T> { public class In { } }
            public class @event { }
            public class record { }
            public struct Pair<T, U> { }
            public class Holder
            {
                public int F1; public string? F2; public string F3 = ""; public object? F4; public object F5 = new();
                public int? F6; public decimal? F7; public DateTime F8; public DateTime? F9; public Guid F10; public DateOnly? F11;
                public int[]? F12; public string?[] F13 = []; public string[]? F14; public int[][]? F15; public int[,]? F16;
                public List<string?>? F17; public List<string> F18 = []; public Dictionary<string, List<int?>>? F19; public Dictionary<Color, Outer.Inner?> F20 = [];
                public Outer.Inner? F21; public Outer.S? F22; public Gen<int>.In? F23; public Gen<string?>? F24; public @event? F25; public record? F26;
                public (int A, string B) F27; public (int, string)? F28; public nint F29; public IntPtr F30; public dynamic? F31; public Pair<int?, Color?> F32;
                public KeyValuePair<string, int>[]? F33; public Color F34; public Color? F35; public Missing? F36; public List<Missing>? F37; public ulong F38; public char? F39;
                public IReadOnlyList<Outer?>? F40; public Func<int, string?>? F41; public byte[] F42 = []; public List<int[]?>? F43; public Gen<Outer.Inner>? F44;
            }
        }
        """;

    [Fact]
    public void Every_shape_matches_ToDisplayString_in_both_formats()
    {
        var compilation = TestCompiler.Compile(Shapes);
        var generator = typeof(ContractGenerator).Assembly;
        var typeNames = generator.GetType("ZamSync.Generators.Parsing.TypeNames", throwOnError: true)!;
        var helpers = generator.GetType("ZamSync.Generators.Parsing.SymbolHelpers", throwOnError: true)!;
        var qualified = (SymbolDisplayFormat)helpers.GetField("Qualified")!.GetValue(null)!;
        var schema = (SymbolDisplayFormat)helpers.GetField("Schema")!.GetValue(null)!;
        string Call(string method, ITypeSymbol type) => (string)typeNames.GetMethod(method, BindingFlags.Public | BindingFlags.Static)!.Invoke(null, [type])!;

        var holder = compilation.GetTypeByMetadataName("A.B.Holder")!;
        var types = holder.GetMembers().OfType<IFieldSymbol>().Select(f => f.Type).ToList();
        types.AddRange(compilation.GetTypeByMetadataName("A.B.Outer+Inner")!, compilation.GetTypeByMetadataName("A.B.event")!, holder);
        Assert.True(types.Count > 40);
        foreach (var type in types)
        {
            Assert.Equal(type.ToDisplayString(qualified), Call("Qualified", type));
            Assert.Equal(type.ToDisplayString(schema), Call("Schema", type));
        }
    }

    [Fact]
    public void Namespace_names_match_ToDisplayString()
    {
        var compilation = TestCompiler.Compile(
            "namespace A.B.C { public class T1 { } } namespace @event.record { public class T2 { } } namespace Top { public class T3 { } } public class T4 { }");
        var types = new[] { "A.B.C.T1", "event.record.T2", "Top.T3", "T4" }.Select(n => compilation.GetTypeByMetadataName(n)!).ToList();

        foreach (var type in types)
        {
            string expected = type.ContainingNamespace.IsGlobalNamespace ? "" : type.ContainingNamespace.ToDisplayString();
            Assert.Equal(expected, Parsing.SymbolHelpers.NamespaceName(type.ContainingNamespace));
        }
    }
}

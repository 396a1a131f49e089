using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ZamSync.Generators.Diagnostics;
using ZamSync.Generators.Model;

namespace ZamSync.Generators.Parsing;

/// <summary>
/// Turns a [ZamUpcast] method into an <see cref="UpcastModel"/>, or reports why it cannot be one (ZS2004). Shared
/// by the generator (no diagnostics; an invalid upcaster is left out) and the analyzer.
/// </summary>
internal static class UpcastParser
{
    /// <summary>The generator's syntax predicate: a method with an attribute written as ZamUpcast.</summary>
    public static bool IsCandidate(SyntaxNode node) =>
        node is MethodDeclarationSyntax { AttributeLists.Count: > 0 } method
        && AttributeNames.Find(method.AttributeLists, AttributeNames.ZamUpcast, out _) is not null;

    public static UpcastModel? Parse(IMethodSymbol method, List<Diagnostic>? diagnostics)
    {
        string? problem = Problem(method, out var from, out var to);
        if (problem is not null)
        {
            diagnostics?.Add(Diagnostic.Create(DiagnosticDescriptors.InvalidUpcaster,
                method.Locations.FirstOrDefault() ?? Location.None, method.ToDisplayString(), problem));
            return null;
        }
        return new UpcastModel(
            TypeNames.Qualified(from!.WithNullableAnnotation(NullableAnnotation.NotAnnotated)), SymbolHelpers.EventId(from)!.Value, from.IsValueType,
            TypeNames.Qualified(to!.WithNullableAnnotation(NullableAnnotation.NotAnnotated)), SymbolHelpers.EventId(to)!.Value,
            TypeNames.Qualified(method.ContainingType) + "." + Emit.Common.Escape(method.Name));
    }

    private static string? Problem(IMethodSymbol method, out ITypeSymbol? from, out ITypeSymbol? to)
    {
        from = null;
        to = null;
        if (!method.IsStatic) return "must be static";
        if (method.IsGenericMethod) return "must not be generic";
        if (method.Parameters.Length != 1 || method.Parameters[0].RefKind != RefKind.None) return "must take one event by value (the older version)";
        if (method.ReturnsVoid || method.ReturnsByRef || method.ReturnsByRefReadonly) return "must return the newer version of the event by value";
        for (ISymbol? s = method; s is INamedTypeSymbol or IMethodSymbol; s = s.ContainingType)
        {
            if (s.DeclaredAccessibility is Accessibility.Private or Accessibility.Protected or Accessibility.ProtectedAndInternal)
                return "must be visible to the whole assembly (public or internal, in a type that is too), where the generated dispatch calls it";
            if (s is INamedTypeSymbol { IsGenericType: true }) return "must not be in a generic type";
        }
        from = method.Parameters[0].Type;
        to = method.ReturnType;
        if (SymbolHelpers.EventId(from) is not { } fromWire) return $"takes '{from.ToDisplayString()}', which is not a [ZamEvent] type";
        if (SymbolHelpers.EventId(to) is not { } toWire) return $"returns '{to.ToDisplayString()}', which is not a [ZamEvent] type";
        if (WireIds.Id(fromWire) != WireIds.Id(toWire))
            return $"converts event {WireIds.Id(fromWire)} to event {WireIds.Id(toWire)}; an upcaster converts between versions of one event";
        if (WireIds.Version(fromWire) >= WireIds.Version(toWire))
            return $"converts version {WireIds.Version(fromWire)} to version {WireIds.Version(toWire)}; it must go from an older version to a newer one";
        return null;
    }
}

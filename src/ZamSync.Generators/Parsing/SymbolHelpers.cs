using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ZamSync.Generators.Model;

namespace ZamSync.Generators.Parsing;

internal static class SymbolHelpers
{
    public const string ZamEventAttribute = "ZamSync.ZamEventAttribute";
    public const string ZamUpcastAttribute = "ZamSync.ZamUpcastAttribute";
    public const string ZamStateAttribute = "ZamSync.ZamStateAttribute";
    public const string ZamMemberAttribute = "ZamSync.ZamMemberAttribute";
    public const string EventContext = "ZamSync.EventContext";

    /// <summary>global::-qualified, with nullable reference annotations (for generated declarations).</summary>
    public static readonly SymbolDisplayFormat Qualified = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>Qualified without global:: and without reference nullability: the schema's spelling of a type.</summary>
    public static readonly SymbolDisplayFormat Schema = SymbolDisplayFormat.FullyQualifiedFormat
        .WithGlobalNamespaceStyle(SymbolDisplayGlobalNamespaceStyle.Omitted)
        .RemoveMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    public static string FullName(ISymbol? symbol) =>
        symbol is null ? "" : symbol.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat.WithGlobalNamespaceStyle(SymbolDisplayGlobalNamespaceStyle.Omitted).WithGenericsOptions(SymbolDisplayGenericsOptions.None));

    /// <summary>
    /// Whether <paramref name="type"/>'s <see cref="FullName"/> is <paramref name="fullName"/>, compared part by part
    /// from the innermost name outwards without building the display string (the parsers ask this for every
    /// attribute and interface they look at, on every run of the incremental pipeline).
    /// </summary>
    public static bool Is(ITypeSymbol? type, string fullName) => type is not null && HasFullName(type, fullName);

    private static bool HasFullName(ISymbol symbol, string fullName)
    {
        int end = fullName.Length;
        for (ISymbol? part = symbol; part is not null; part = part.ContainingSymbol)
        {
            if (part is INamespaceSymbol { IsGlobalNamespace: true }) break;
            if (part is not (INamespaceOrTypeSymbol)) return false;
            string name = part.Name;
            int start = end - name.Length;
            if (start < 0 || string.CompareOrdinal(fullName, start, name, 0, name.Length) != 0) return false;
            if (start == 0) return part.ContainingSymbol is null or INamespaceSymbol { IsGlobalNamespace: true };
            if (fullName[start - 1] != '.') return false;
            end = start - 1;
        }
        return false;
    }

    /// <summary>Whether the type's namespace is exactly <paramref name="fullName"/> (compared without building its display string).</summary>
    public static bool InNamespace(ITypeSymbol type, string fullName) =>
        type.ContainingNamespace is { IsGlobalNamespace: false } ns && HasFullName(ns, fullName);

    /// <summary>Whether the type lives in <c>System</c> or one of its child namespaces.</summary>
    public static bool InSystemNamespace(ITypeSymbol type)
    {
        INamespaceSymbol? outermost = null;
        for (var ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace) outermost = ns;
        return outermost?.Name == "System";
    }

    public static AttributeData? FindAttribute(ISymbol symbol, string fullName) =>
        symbol.GetAttributes().FirstOrDefault(a => Is(a.AttributeClass, fullName));

    /// <summary>Whether a member carries the [GeneratedCode("ZamSync.Generators", ...)] this generator writes.</summary>
    public static bool IsGeneratedByUs(ISymbol symbol) =>
        FindAttribute(symbol, "System.CodeDom.Compiler.GeneratedCodeAttribute") is { ConstructorArguments.Length: > 0 } a
        && a.ConstructorArguments[0].Value is "ZamSync.Generators";

    public static bool IsEvent(ITypeSymbol type) => FindAttribute(type, ZamEventAttribute) is not null;

    public static bool IsMemoryPackable(ITypeSymbol type) =>
        FindAttribute(type, "MemoryPack.MemoryPackableAttribute") is not null
        || type.AllInterfaces.Any(i => Is(i, "MemoryPack.IMemoryPackable"));

    /// <summary>The event's wire id (its id, and its version in the top byte), or null when it is not an event.</summary>
    public static uint? EventId(ITypeSymbol type) =>
        FindAttribute(type, ZamEventAttribute) is { } a && a.ConstructorArguments.Length == 1 && a.ConstructorArguments[0].Value is uint id
            && id is > 0 and <= WireIds.MaxId && EventVersion(a) is >= 1 and <= WireIds.MaxVersion
            ? WireIds.Of(id, EventVersion(a)) : null;

    /// <summary>The <c>Version</c> named argument of a [ZamEvent], 1 when absent.</summary>
    public static int EventVersion(AttributeData attribute)
    {
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.Key == "Version" && argument.Value.Value is int version) return version;
        }
        return 1;
    }

    /// <summary>Where a named argument of an attribute is written, else the attribute.</summary>
    public static Location NamedArgumentLocation(AttributeData attribute, string name)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax() is AttributeSyntax syntax && syntax.ArgumentList is { } list)
        {
            foreach (var argument in list.Arguments)
            {
                if (argument.NameEquals?.Name.Identifier.ValueText == name) return argument.Expression.GetLocation();
            }
        }
        return AttributeLocation(attribute);
    }

    public static string Keyword(INamedTypeSymbol type) => (type.IsRecord, type.IsValueType) switch
    {
        (true, true) => "record struct",
        (true, false) => "record",
        (false, true) => "struct",
        _ => type.TypeKind == TypeKind.Interface ? "interface" : "class",
    };

    public static bool IsPartial(INamedTypeSymbol type) =>
        type.DeclaringSyntaxReferences.Length > 0
        && type.DeclaringSyntaxReferences.All(r => r.GetSyntax() is TypeDeclarationSyntax t && t.Modifiers.Any(SyntaxKind.PartialKeyword));

    public static TypeIdentity Identity(INamedTypeSymbol type)
    {
        var containing = new List<ContainingTypeModel>();
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            containing.Insert(0, new ContainingTypeModel(Keyword(outer), outer.Name));
        }
        string ns = NamespaceName(type.ContainingNamespace);
        return new TypeIdentity(ns, type.Name, TypeNames.Qualified(type), Keyword(type), type.IsValueType, containing.ToEquatableArray());
    }

    /// <summary>
    /// <c>A.B.C</c>, or empty for the global namespace. Built from the names, since ToDisplayString is slow and
    /// this runs for every contract type on every run; a keyword-named part (which the display format escapes)
    /// still goes through ToDisplayString.
    /// </summary>
    public static string NamespaceName(INamespaceSymbol? ns)
    {
        if (ns is null || ns.IsGlobalNamespace) return "";
        string? name = null;
        for (var part = ns; part is { IsGlobalNamespace: false }; part = part.ContainingNamespace)
        {
            if (SyntaxFacts.GetKeywordKind(part.Name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(part.Name) != SyntaxKind.None) return ns.ToDisplayString();
            name = name is null ? part.Name : part.Name + "." + name;
        }
        return name ?? "";
    }

    /// <summary>The type's name in the first declaration: where shape diagnostics point.</summary>
    public static Location IdentifierLocation(INamedTypeSymbol type) =>
        type.DeclaringSyntaxReferences.Select(r => r.GetSyntax()).OfType<BaseTypeDeclarationSyntax>().FirstOrDefault()?.Identifier.GetLocation()
        ?? type.Locations.FirstOrDefault() ?? Location.None;

    /// <summary>The first argument of an attribute (the id or slot), or the attribute itself.</summary>
    public static Location ArgumentLocation(AttributeData attribute)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax() is AttributeSyntax syntax)
        {
            return syntax.ArgumentList is { Arguments.Count: > 0 } args ? args.Arguments[0].Expression.GetLocation() : syntax.GetLocation();
        }
        return Location.None;
    }

    public static Location AttributeLocation(AttributeData attribute) =>
        attribute.ApplicationSyntaxReference?.GetSyntax().GetLocation() ?? Location.None;

    /// <summary>The type syntax of a member (property, field or positional parameter), or its name.</summary>
    public static Location MemberTypeLocation(ISymbol member)
    {
        foreach (var reference in member.DeclaringSyntaxReferences)
        {
            switch (reference.GetSyntax())
            {
                case PropertyDeclarationSyntax p: return p.Type.GetLocation();
                case ParameterSyntax { Type: { } t }: return t.GetLocation();
                case VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax d }: return d.Type.GetLocation();
            }
        }
        return member.Locations.FirstOrDefault() ?? Location.None;
    }

    /// <summary>Orders members as declared: by file, then position (positional record parameters come first).</summary>
    public static (string File, int Position) DeclarationOrder(ISymbol symbol)
    {
        var location = symbol.Locations.FirstOrDefault(l => l.IsInSource);
        return location is null ? ("", int.MaxValue) : (location.SourceTree?.FilePath ?? "", location.SourceSpan.Start);
    }
}

using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ZamSync.Generators.Parsing;

/// <summary>
/// The two spellings of a member type the models carry (<see cref="SymbolHelpers.Qualified"/> and
/// <see cref="SymbolHelpers.Schema"/>), written directly for the common shapes: keywords, named types and their
/// type arguments, <c>T?</c>, one-dimensional arrays. <c>ToDisplayString</c> is several times slower and the
/// event transform re-runs for every event on every edit, so this matters for the IDE. Any other shape (tuples,
/// generic containing types, keyword-named identifiers, native ints, jagged arrays, error types...) falls back to
/// <c>ToDisplayString</c> with the same format, so the result is always the same string.
/// </summary>
internal static class TypeNames
{
    public static string Qualified(ITypeSymbol type) => Display(type, schema: false);

    public static string Schema(ITypeSymbol type) => Display(type, schema: true);

    private static string Display(ITypeSymbol type, bool schema)
    {
        var text = new StringBuilder(64);
        return TryAppend(text, type, schema) ? text.ToString() : type.ToDisplayString(schema ? SymbolHelpers.Schema : SymbolHelpers.Qualified);
    }

    private static bool TryAppend(StringBuilder text, ITypeSymbol type, bool schema)
    {
        switch (type)
        {
            case IArrayTypeSymbol array:
                if (!array.IsSZArray || array.ElementType is IArrayTypeSymbol || !TryAppend(text, array.ElementType, schema)) return false;
                text.Append("[]");
                break;
            case INamedTypeSymbol named:
                if (!TryAppendNamed(text, named, schema)) return false;
                break;
            default:
                return false;
        }
        if (!schema && !type.IsValueType && type.NullableAnnotation == NullableAnnotation.Annotated) text.Append('?');
        return true;
    }

    private static bool TryAppendNamed(StringBuilder text, INamedTypeSymbol type, bool schema)
    {
        if (Keyword(type.SpecialType) is { } keyword)
        {
            text.Append(keyword);
            return true;
        }
        if (type.IsTupleType || type.IsAnonymousType || type.IsUnboundGenericType || type.IsNativeIntegerType
            || type.TypeKind is TypeKind.Error or TypeKind.Dynamic or TypeKind.Pointer or TypeKind.FunctionPointer or TypeKind.TypeParameter
            || type.SpecialType is SpecialType.System_IntPtr or SpecialType.System_UIntPtr)
        {
            return false;
        }
        if (type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
        {
            if (!TryAppend(text, type.TypeArguments[0], schema)) return false;
            text.Append('?');
            return true;
        }

        if (!schema) text.Append("global::");
        if (!AppendContainers(text, type.ContainingSymbol)) return false;
        if (!AppendIdentifier(text, type.Name)) return false;
        if (type.TypeArguments.Length > 0)
        {
            text.Append('<');
            for (int i = 0; i < type.TypeArguments.Length; i++)
            {
                if (i > 0) text.Append(", ");
                if (!TryAppend(text, type.TypeArguments[i], schema)) return false;
            }
            text.Append('>');
        }
        return true;
    }

    /// <summary>Namespaces and (non-generic) containing types, outermost first, each followed by a dot.</summary>
    private static bool AppendContainers(StringBuilder text, ISymbol? container)
    {
        switch (container)
        {
            case null:
            case INamespaceSymbol { IsGlobalNamespace: true }:
                return true;
            case INamespaceSymbol ns:
                if (!AppendContainers(text, ns.ContainingSymbol) || !AppendIdentifier(text, ns.Name)) return false;
                text.Append('.');
                return true;
            case INamedTypeSymbol { Arity: 0 } outer when outer.TypeKind != TypeKind.Error:
                if (!AppendContainers(text, outer.ContainingSymbol) || !AppendIdentifier(text, outer.Name)) return false;
                text.Append('.');
                return true;
            default:
                return false;
        }
    }

    private static bool AppendIdentifier(StringBuilder text, string name)
    {
        // Keywords (even contextual ones) may be escaped with @ by the display format: let it decide.
        if (name.Length == 0 || SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None) return false;
        text.Append(name);
        return true;
    }

    private static string? Keyword(SpecialType type) => type switch
    {
        SpecialType.System_Object => "object",
        SpecialType.System_Boolean => "bool",
        SpecialType.System_Char => "char",
        SpecialType.System_SByte => "sbyte",
        SpecialType.System_Byte => "byte",
        SpecialType.System_Int16 => "short",
        SpecialType.System_UInt16 => "ushort",
        SpecialType.System_Int32 => "int",
        SpecialType.System_UInt32 => "uint",
        SpecialType.System_Int64 => "long",
        SpecialType.System_UInt64 => "ulong",
        SpecialType.System_Decimal => "decimal",
        SpecialType.System_Single => "float",
        SpecialType.System_Double => "double",
        SpecialType.System_String => "string",
        _ => null,
    };
}

using Microsoft.CodeAnalysis;

namespace ZamSync.Generators.Parsing;

/// <summary>
/// The projection column shape of a member type (the names of the runtime's <c>ZamColumnType</c>); docs/projection.md
/// lists the SQL type of each. Anything without a natural column is Json.
/// </summary>
internal static class ProjectionTypes
{
    /// <summary>The shape; <paramref name="cast"/> is the keyword an enum's value is cast to (empty otherwise).</summary>
    public static string Column(ITypeSymbol type, out string cast)
    {
        cast = "";
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable) type = nullable.TypeArguments[0];
        if (type is IArrayTypeSymbol { IsSZArray: true, ElementType.SpecialType: SpecialType.System_Byte }) return "Blob";
        if (type is INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlying })
        {
            cast = Keyword(underlying.SpecialType);
            return Integral(underlying.SpecialType);
        }
        switch (type.SpecialType)
        {
            case SpecialType.System_Boolean: return "Boolean";
            case SpecialType.System_SByte or SpecialType.System_Byte or SpecialType.System_Int16 or SpecialType.System_UInt16
                or SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Int64 or SpecialType.System_UInt64:
                return Integral(type.SpecialType);
            case SpecialType.System_Decimal: return "Numeric";
            case SpecialType.System_Single: return "Single";
            case SpecialType.System_Double: return "Double";
            case SpecialType.System_Char or SpecialType.System_String: return "Text";
            case SpecialType.System_DateTime: return "Timestamp";
        }
        if (type is INamedTypeSymbol { ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } } system)
        {
            switch (system.MetadataName)
            {
                case "DateTimeOffset": return "Timestamp";
                case "DateOnly": return "Date";
                case "TimeOnly": return "Time";
                case "TimeSpan": return "Interval";
                case "Guid": return "Uuid";
                case "Int128" or "UInt128": return "Numeric";
                case "Half": return "Single";
            }
        }
        return "Json";
    }

    private static string Integral(SpecialType type) => type switch
    {
        SpecialType.System_SByte or SpecialType.System_Byte or SpecialType.System_Int16 => "Int16",
        SpecialType.System_UInt16 or SpecialType.System_Int32 => "Int32",
        SpecialType.System_UInt32 or SpecialType.System_Int64 => "Int64",
        _ => "Numeric",
    };

    private static string Keyword(SpecialType type) => type switch
    {
        SpecialType.System_SByte => "sbyte",
        SpecialType.System_Byte => "byte",
        SpecialType.System_Int16 => "short",
        SpecialType.System_UInt16 => "ushort",
        SpecialType.System_UInt32 => "uint",
        SpecialType.System_Int64 => "long",
        SpecialType.System_UInt64 => "ulong",
        _ => "int",
    };
}

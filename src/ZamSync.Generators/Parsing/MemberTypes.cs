using System.Linq;
using Microsoft.CodeAnalysis;
using ZamSync.Generators.Model;

namespace ZamSync.Generators.Parsing;

/// <summary>Decides how a member type is written, or why it cannot be.</summary>
internal static class MemberTypes
{
    private static readonly string[] CollectionInterfaces =
    [
        "System.Collections.Generic.IEnumerable", "System.Collections.Generic.ICollection", "System.Collections.Generic.IList",
        "System.Collections.Generic.IReadOnlyCollection", "System.Collections.Generic.IReadOnlyList", "System.Collections.Generic.ISet",
        "System.Collections.Generic.IReadOnlySet", "System.Collections.Generic.IDictionary", "System.Collections.Generic.IReadOnlyDictionary",
    ];

    /// <summary>
    /// Returns the kind, or null with <paramref name="whyNot"/> saying why the type cannot be serialized.
    /// <paramref name="data"/> (a snapshot state's members): plain types of the state's assembly are accepted and
    /// collected, to get generated formatters, instead of refused.
    /// </summary>
    public static MemberKind? Classify(ITypeSymbol type, out string whyNot, SnapshotDataTypes? data = null)
    {
        whyNot = "";
        switch (type)
        {
            case IPointerTypeSymbol or IFunctionPointerTypeSymbol:
                whyNot = "pointers cannot be serialized";
                return null;
            case IDynamicTypeSymbol:
                whyNot = "dynamic has no fixed shape";
                return null;
            case ITypeParameterSymbol:
                whyNot = "an open type parameter has no fixed shape";
                return null;
            case IArrayTypeSymbol array:
                if (!array.IsSZArray)
                {
                    whyNot = "only one-dimensional arrays are supported";
                    return null;
                }
                if (Classify(array.ElementType, out var elementWhy, data) is not { } elementKind)
                {
                    whyNot = "its element type " + elementWhy;
                    return null;
                }
                return elementKind == MemberKind.Unmanaged ? MemberKind.UnmanagedArray : MemberKind.Array;
        }

        if (type.TypeKind == TypeKind.Delegate || type.SpecialType is SpecialType.System_Delegate or SpecialType.System_MulticastDelegate)
        {
            whyNot = "delegates cannot be serialized";
            return null;
        }
        if (type.SpecialType is SpecialType.System_Object or SpecialType.System_Array or SpecialType.System_ValueType or SpecialType.System_Enum)
        {
            whyNot = "it has no fixed shape; use a concrete type";
            return null;
        }
        if (type.TypeKind == TypeKind.Enum) return MemberKind.Unmanaged;
        if (type is INamedTypeSymbol { IsRefLikeType: true })
        {
            whyNot = "ref structs cannot be stored";
            return null;
        }
        if (type.IsUnmanagedType)
        {
            return type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } ? MemberKind.UnmanagedNullable : MemberKind.Unmanaged;
        }
        if (type.SpecialType == SpecialType.System_String) return MemberKind.String;
        // BCL types are neither events nor [MemoryPackable]; asking costs their attributes and interfaces, for
        // every List<T> member of every event on every run of the generator.
        bool system = SymbolHelpers.InSystemNamespace(type);
        if (!system && (SymbolHelpers.IsEvent(type) || SymbolHelpers.IsMemoryPackable(type))) return MemberKind.Value;

        if (type is INamedTypeSymbol named)
        {
            if (named.TypeKind == TypeKind.Interface && !CollectionInterfaces.Any(name => SymbolHelpers.Is(named, name)))
            {
                whyNot = "an interface does not say which concrete type to create";
                return null;
            }
            // Generic BCL types (List<T>, Dictionary<K,V>, T?...) are as serializable as their type arguments.
            foreach (var argument in named.TypeArguments)
            {
                if (Classify(argument, out var argumentWhy, data) is null)
                {
                    whyNot = "its type argument " + argument.ToDisplayString() + ": " + argumentWhy;
                    return null;
                }
            }
            // MemoryPack ships formatters for the BCL types it knows; anything else needs a contract of its own.
            if (system) return MemberKind.Value;
            if (data is not null) return data.TryAccept(named, out whyNot) ? MemberKind.Value : null;
            whyNot = "it is neither a [ZamEvent] nor a [MemoryPackable] type";
            return null;
        }

        whyNot = "its kind is not supported";
        return null;
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using ZamSync.Generators.Model;

namespace ZamSync.Generators.Parsing;

/// <summary>
/// The plain classes, records and structs a snapshot state holds (directly, in collections, or inside each other),
/// which get a generated formatter so a whole state can be snapshotted without [MemoryPackable] on every type.
/// Only types of the state's own assembly qualify: their formatter is registered by that assembly, and a type of
/// another assembly may change its members under us without this compilation seeing it.
/// </summary>
internal sealed class SnapshotDataTypes(IAssemblySymbol owner)
{
    // null while a type's members are being parsed: a type that holds itself (a tree) is accepted, not re-entered.
    private readonly Dictionary<ITypeSymbol, DataTypeModel?> _types = new(SymbolEqualityComparer.Default);

    /// <summary>Accepts <paramref name="type"/> as a generated data type, or says why it cannot be one.</summary>
    public bool TryAccept(INamedTypeSymbol type, out string whyNot)
    {
        whyNot = "";
        var definition = (INamedTypeSymbol)type.WithNullableAnnotation(NullableAnnotation.NotAnnotated);
        if (_types.ContainsKey(definition)) return true;
        if (!SymbolEqualityComparer.Default.Equals(type.ContainingAssembly, owner) || type.DeclaringSyntaxReferences.Length == 0)
        {
            whyNot = "it is neither a [ZamEvent] nor a [MemoryPackable] type, and it is declared in another assembly, so no formatter can be generated for it here";
            return false;
        }
        if (ShapeProblem(type) is { } shape)
        {
            whyNot = "no formatter can be generated for it: " + shape;
            return false;
        }

        _types[definition] = null;
        string? memberProblem = null;
        void Report(DiagnosticDescriptor descriptor, Location location, object[] args)
        {
            // args: member name, then (for ZS4006) its type and the reason. The first problem is enough to act on.
            memberProblem ??= args.Length >= 3
                ? $"its member '{args[0]}' of type '{args[1]}' cannot be serialized ({args[2]})"
                : $"its member '{args[0]}' is invalid ({descriptor.Id})";
        }
        var (candidates, members, slotCount) = EventParser.ParseMembers(type, Report, Diagnostics.DiagnosticDescriptors.UnserializableSnapshotMember, this);
        var construction = EventParser.ChooseConstruction(type, candidates, out var constructionProblem);
        if (memberProblem is not null || construction is null)
        {
            _types.Remove(definition);
            whyNot = $"no formatter can be generated for '{type.ToDisplayString()}': " + (memberProblem ?? constructionProblem);
            return false;
        }
        _types[definition] = new DataTypeModel(SymbolHelpers.Identity(type), members, slotCount, construction);
        return true;
    }

    /// <summary>Every accepted type, in a stable order (by name), for the model.</summary>
    public EquatableArray<DataTypeModel> ToModels() =>
        _types.Values.Where(m => m is not null).Select(m => m!)
            .OrderBy(m => m.Type.FullyQualifiedName, StringComparer.Ordinal)
            .ToEquatableArray();

    private static string? ShapeProblem(INamedTypeSymbol type)
    {
        if (type.TypeKind is not (TypeKind.Class or TypeKind.Struct)) return "only classes, records and structs are supported";
        if (type.IsGenericType) return "generic types are not supported";
        if (type.IsAbstract) return "it is abstract, so the formatter cannot create it";
        if (type.IsStatic) return "it is static";
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            if (t.DeclaredAccessibility is Accessibility.Private or Accessibility.Protected or Accessibility.ProtectedAndInternal)
                return "it must be visible to the whole assembly (public or internal), where its formatter is registered";
        }
        // A derived class would be written as its base and lose its own members: MemoryPack formatters are exact.
        if (type.TypeKind == TypeKind.Class && !type.IsSealed) return "it must be sealed (a derived instance would lose its own members)";
        return null;
    }
}

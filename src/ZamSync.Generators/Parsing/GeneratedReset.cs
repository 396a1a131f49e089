using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using ZamSync.Generators.Diagnostics;
using ZamSync.Generators.Model;

namespace ZamSync.Generators.Parsing;

/// <summary>
/// <c>[ZamState(GenerateReset = true)]</c>: Reset() is generated from the state's public data members, each put
/// back to what a new instance holds. That is only right for a state whose data lives in those members, so what it
/// cannot reset is an error (ZS4008) and non-public data it would leave behind is a warning (ZS4009).
/// </summary>
internal static class GeneratedReset
{
    public static ResetModel? Parse(INamedTypeSymbol type, System.Action<DiagnosticDescriptor, Location, object[]> report, List<Diagnostic>? diagnostics)
    {
        bool ok = true;
        // "What a new instance holds" needs a new instance: the generated code calls the parameterless constructor
        // (any accessibility: the code is inside the type), so initializers and constructor logic are honoured exactly.
        if (!type.InstanceConstructors.Any(c => c.Parameters.Length == 0))
        {
            report(DiagnosticDescriptors.ResetCannotBeGenerated, SymbolHelpers.IdentifierLocation(type), ["it has no parameterless constructor to take a new instance's values from"]);
            ok = false;
        }

        var members = new List<ResetMemberModel>();
        foreach (var candidate in EventParser.Candidates(type))
        {
            if (candidate.Mutable)
            {
                members.Add(new ResetMemberModel(candidate.Symbol.Name, null));
            }
            else if (StateParser.FillableElementType(candidate.Type) is { } element)
            {
                members.Add(new ResetMemberModel(candidate.Symbol.Name, element));
            }
            else
            {
                report(DiagnosticDescriptors.ResetCannotBeGenerated, SymbolHelpers.MemberTypeLocation(candidate.Symbol),
                    [$"member '{candidate.Symbol.Name}' is read-only and not a collection that can be cleared; give it a setter (a private one is enough)"]);
                ok = false;
            }
        }

        if (diagnostics is not null)
        {
            foreach (var hidden in HiddenData(type))
            {
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.DataOutsideGeneratedReset, hidden.Locations.FirstOrDefault() ?? Location.None,
                    type.ToDisplayString(), hidden.AssociatedSymbol?.Name ?? hidden.Name));
            }
        }
        return ok ? new ResetModel(members.ToEquatableArray()) : null;
    }

    /// <summary>
    /// Non-public instance fields (and the backing fields of non-public auto-properties) that can hold data: not
    /// read-only, or read-only but a mutable collection. A generated Reset leaves them as they are, so a re-fold
    /// would start from what they held.
    /// </summary>
    private static IEnumerable<IFieldSymbol> HiddenData(INamedTypeSymbol type)
    {
        foreach (var field in type.GetMembers().OfType<IFieldSymbol>())
        {
            if (field.IsStatic || field.IsConst) continue;
            var owner = (ISymbol?)field.AssociatedSymbol ?? field;
            if (owner.DeclaredAccessibility == Accessibility.Public) continue;
            if (field.IsImplicitlyDeclared && field.AssociatedSymbol is null) continue;
            if (field.IsReadOnly && StateParser.FillableElementType(field.Type) is null) continue;
            yield return field;
        }
    }
}

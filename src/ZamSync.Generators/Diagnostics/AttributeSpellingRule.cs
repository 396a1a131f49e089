using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ZamSync.Generators.Parsing;

namespace ZamSync.Generators.Diagnostics;

/// <summary>
/// ZS1005. The generator finds contract types and slots by how their attributes are written (binding every
/// attribute of every contract on each edit is what made it slow), so the written name must mean ZamSync's
/// attribute, and ZamSync's attribute must be written by its name. Either mismatch is reported here, which makes
/// the generator's reading exact in every compilation that builds.
/// </summary>
internal static class AttributeSpellingRule
{
    private static readonly (string ShortName, string FullName)[] Known =
    [
        (AttributeNames.ZamEvent, SymbolHelpers.ZamEventAttribute),
        (AttributeNames.ZamState, SymbolHelpers.ZamStateAttribute),
        (AttributeNames.ZamMember, SymbolHelpers.ZamMemberAttribute),
    ];

    public static void Check(INamedTypeSymbol type, List<Diagnostic> diagnostics)
    {
        bool contract = false;
        foreach (var attribute in type.GetAttributes())
        {
            contract |= SymbolHelpers.Is(attribute.AttributeClass, SymbolHelpers.ZamEventAttribute) || SymbolHelpers.Is(attribute.AttributeClass, SymbolHelpers.ZamStateAttribute);
            CheckAttribute(attribute, type, diagnostics);
        }
        if (!contract) return;

        // Slots: on fields, properties and a positional record's parameters.
        foreach (var member in type.GetMembers())
        {
            if (member is IFieldSymbol or IPropertySymbol && !member.IsImplicitlyDeclared)
            {
                foreach (var attribute in member.GetAttributes()) CheckAttribute(attribute, type, diagnostics);
            }
        }
        foreach (var constructor in type.InstanceConstructors)
        {
            foreach (var parameter in constructor.Parameters)
            {
                foreach (var attribute in parameter.GetAttributes()) CheckAttribute(attribute, type, diagnostics);
            }
        }
    }

    private static void CheckAttribute(AttributeData attribute, INamedTypeSymbol owner, List<Diagnostic> diagnostics)
    {
        // An attribute the compiler cannot resolve already has its own error (CS0246).
        if (attribute.AttributeClass is not { TypeKind: not TypeKind.Error } attributeClass) return;
        if (attribute.ApplicationSyntaxReference?.GetSyntax() is not AttributeSyntax syntax) return;
        foreach (var (shortName, fullName) in Known)
        {
            bool ours = SymbolHelpers.Is(attributeClass, fullName);
            bool named = AttributeNames.IsNamed(syntax, shortName);
            if (ours == named) continue;
            string why = ours
                ? $"is ZamSync's {shortName} under another name: write [{shortName}]"
                : $"is '{attributeClass.ToDisplayString()}', not ZamSync's {shortName}: bring it in under another name with a using alias";
            diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.AttributeSpelling, syntax.GetLocation(), syntax.Name.ToString(), owner.ToDisplayString(), why));
        }
    }
}

using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ZamSync.Generators.Model;

namespace ZamSync.Generators.Parsing;

/// <summary>
/// The generator's fast way to a [ZamState]'s dispatch, for the same reason as <see cref="EventSyntaxParser"/>:
/// a state that handles 500 events would otherwise bind 500 methods and, through <c>EventId</c>, the attributes of
/// 500 events on every edit. It reads the Apply methods from syntax, binds only their parameter types, and leaves
/// the ids of the compilation's own events to <see cref="StateResolution"/>. A state with snapshots, more than one
/// declaration, or anything invalid returns null, and the caller runs <see cref="StateParser"/>.
/// </summary>
internal static class StateSyntaxParser
{
    /// <summary>The generator's syntax predicate: a class declaration with an attribute written as ZamState.</summary>
    public static bool IsCandidate(SyntaxNode node) =>
        node is ClassDeclarationSyntax { AttributeLists.Count: > 0 } declaration
        && AttributeNames.Find(declaration.AttributeLists, AttributeNames.ZamState, out _) is not null;

    public static StateDraft? TryParse(ClassDeclarationSyntax declaration, INamedTypeSymbol type, AttributeSyntax attribute, SemanticModel model, CancellationToken cancellationToken)
    {
        if (type.DeclaringSyntaxReferences.Length != 1 || !declaration.Modifiers.Any(SyntaxKind.PartialKeyword)) return null;
        if (EventParser.ShapeProblems(type, forState: true).Any()) return null;
        AttributeNames.Find(declaration.AttributeLists, AttributeNames.ZamState, out int stateAttributes);
        // Any argument (Snapshots = ...) sends the state to the symbol parser, which reads it exactly.
        if (stateAttributes != 1 || attribute.ArgumentList is { Arguments.Count: > 0 }) return null;

        bool hasReset = false;
        var handlers = new List<HandlerDraft>();
        var seen = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
        foreach (var method in declaration.Members.OfType<MethodDeclarationSyntax>())
        {
            if (method.ExplicitInterfaceSpecifier is not null) continue;
            string name = method.Identifier.ValueText;
            if (name == "Reset")
            {
                hasReset |= method.Modifiers.Any(SyntaxKind.PublicKeyword) && !method.Modifiers.Any(SyntaxKind.StaticKeyword)
                    && ReturnsVoid(method) && method.ParameterList.Parameters.Count == 0 && method.TypeParameterList is null;
                continue;
            }
            if (name != "Apply") continue;

            cancellationToken.ThrowIfCancellationRequested();
            if (method.Modifiers.Any(SyntaxKind.StaticKeyword) || !ReturnsVoid(method) || method.TypeParameterList is not null) return null;
            var parameters = method.ParameterList.Parameters;
            if (parameters.Count is < 1 or > 2) return null;
            if (parameters[0] is not { Type: { } eventSyntax, Modifiers.Count: 0 }) return null;
            if (EventSyntaxParser.DeclaredType(eventSyntax, model, cancellationToken) is not INamedTypeSymbol eventType) return null;
            if (parameters.Count == 2)
            {
                var context = parameters[1];
                bool byValueOrIn = context.Modifiers.Count == 0 || (context.Modifiers.Count == 1 && context.Modifiers[0].IsKind(SyntaxKind.InKeyword));
                if (context.Type is null || !byValueOrIn || !SymbolHelpers.Is(model.GetTypeInfo(context.Type, cancellationToken).Type, SymbolHelpers.EventContext)) return null;
            }
            if (!seen.Add(eventType)) return null;

            // Events of this assembly get their ids from the events the pipeline parsed; others carry theirs.
            uint? id = null;
            if (!SymbolEqualityComparer.Default.Equals(eventType.ContainingAssembly, model.Compilation.Assembly))
            {
                id = SymbolHelpers.EventId(eventType);
                if (id is null) return null;
            }
            handlers.Add(new HandlerDraft(id, TypeNames.Qualified(eventType), eventType.IsValueType, parameters.Count == 2));
        }
        if (!hasReset) return null;

        return new StateDraft(SymbolHelpers.Identity(type), handlers.ToEquatableArray(), Snapshot: null, IsValid: true);
    }

    private static bool ReturnsVoid(MethodDeclarationSyntax method) =>
        method.ReturnType is PredefinedTypeSyntax { Keyword.RawKind: (int)SyntaxKind.VoidKeyword };
}

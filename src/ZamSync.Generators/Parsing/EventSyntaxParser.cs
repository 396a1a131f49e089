using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ZamSync.Generators.Model;

namespace ZamSync.Generators.Parsing;

/// <summary>
/// The generator's fast way to an <see cref="EventModel"/>: it reads the declaration's syntax and asks the semantic
/// model only for the type of each member and for the two attributes it must be sure of.
/// <para>
/// Why: the incremental pipeline re-runs the event transform for every event on every edit, because the
/// compilation changed. <see cref="EventParser"/> works on symbols, and asking a record symbol for its members makes
/// Roslyn build every synthesized member and bind every attribute: on a 500-event contract that is ~100 ms per
/// keystroke. Binding only the member type syntax costs a tenth of that.
/// </para>
/// <para>
/// It covers the declarations contracts are made of (one partial declaration; positional records; auto properties
/// and fields; literal ids and slots; no explicit constructors) and returns null for anything else, and for
/// anything invalid: the caller then runs <see cref="EventParser"/>, which stays the definition of the model.
/// Whenever this returns a model it equals <see cref="EventParser"/>'s; a test holds it to that on every shape.
/// </para>
/// </summary>
internal static class EventSyntaxParser
{
    private sealed class Draft(string name, TypeSyntax typeSyntax, AttributeSyntax? slot, bool settable, bool mutable)
    {
        public string Name { get; } = name;
        public TypeSyntax TypeSyntax { get; } = typeSyntax;
        public AttributeSyntax? SlotAttribute { get; } = slot;
        public bool Settable { get; } = settable;
        public bool Mutable { get; } = mutable;
        public int Slot { get; set; }
    }

    /// <summary>The generator's syntax predicate: a type declaration with an attribute written as ZamEvent.</summary>
    public static bool IsCandidate(SyntaxNode node) =>
        node is TypeDeclarationSyntax { AttributeLists.Count: > 0 } declaration and not InterfaceDeclarationSyntax
        && AttributeNames.Find(declaration.AttributeLists, AttributeNames.ZamEvent, out _) is not null;

    public static EventModel? TryParse(TypeDeclarationSyntax declaration, INamedTypeSymbol type, AttributeSyntax attribute, SemanticModel model, CancellationToken cancellationToken)
    {
        // ---- shape: only what needs no symbol-level check beyond the cheap ones ----
        if (type.DeclaringSyntaxReferences.Length != 1 || !declaration.Modifiers.Any(SyntaxKind.PartialKeyword)) return null;
        if (declaration.BaseList is not null || declaration.TypeParameterList is not null || declaration.ConstraintClauses.Count > 0) return null;
        bool isRecord = declaration is RecordDeclarationSyntax;
        if (!isRecord && declaration.ParameterList is not null) return null; // a primary constructor's parameters are not members
        if (EventParser.ShapeProblems(type).Any()) return null;
        if (AttributeNames.AnyTargeted(declaration.AttributeLists)) return null;
        AttributeNames.Find(declaration.AttributeLists, AttributeNames.ZamEvent, out int eventAttributes);
        if (eventAttributes != 1 || AttributeNames.Find(declaration.AttributeLists, AttributeNames.MemoryPackable, out _) is not null) return null;

        // ---- identity ----
        // A Version argument (or any other) sends the event to the symbol parser, which reads it exactly.
        if (AttributeNames.LiteralArgument(attribute, unsigned: true) is not { } id || id == 0 || id > WireIds.MaxId) return null;

        // ---- members, in declaration order (positional parameters first) ----
        var drafts = Drafts(declaration, type);
        if (drafts is null) return null;
        if (!AssignSlots(drafts)) return null;

        cancellationToken.ThrowIfCancellationRequested();
        var members = new List<MemberModel>(drafts.Count);
        foreach (var draft in drafts)
        {
            if (DeclaredType(draft.TypeSyntax, model, cancellationToken) is not { } memberType) return null;
            if (MemberTypes.Classify(memberType, out _) is not { } kind) return null;
            members.Add(EventParser.Member(draft.Name, memberType, kind, draft.Slot, draft.Settable));
        }
        var sorted = members.OrderBy(m => m.Slot).ToEquatableArray();

        // ---- construction: the primary constructor, or the implicit parameterless one ----
        var arguments = declaration.ParameterList?.Parameters.Select(p => p.Identifier.ValueText).ToList() ?? [];
        var initialized = new List<string>();
        foreach (var draft in drafts.OrderBy(d => d.Slot))
        {
            if (arguments.Contains(draft.Name)) continue;
            if (!draft.Settable) return null;
            initialized.Add(draft.Name);
        }
        bool canOverwrite = !type.IsValueType && arguments.Count == 0 && drafts.All(d => d.Mutable);
        var construction = new ConstructionModel(arguments.ToEquatableArray(), initialized.ToEquatableArray(), canOverwrite);

        return new EventModel(SymbolHelpers.Identity(type), (uint)id, sorted, EventParser.SlotCount(sorted), construction, IsValid: true);
    }

    /// <summary>The serialized members as declared, or null when a declaration needs the symbol parser.</summary>
    private static List<Draft>? Drafts(TypeDeclarationSyntax declaration, INamedTypeSymbol type)
    {
        var drafts = new List<Draft>();
        if (declaration.ParameterList is { } parameters)
        {
            // A positional property is { get; init; }, or { get; set; } in a record struct that is not readonly.
            bool mutable = type.IsValueType && !declaration.Modifiers.Any(SyntaxKind.ReadOnlyKeyword);
            foreach (var parameter in parameters.Parameters)
            {
                if (parameter.Type is null || parameter.Modifiers.Count > 0) return null;
                if (SlotAttribute(parameter.AttributeLists, ParameterTargets, out var slot) is false) return null;
                drafts.Add(new Draft(parameter.Identifier.ValueText, parameter.Type, slot, settable: true, mutable));
            }
        }

        foreach (var member in declaration.Members)
        {
            switch (member)
            {
                // A member of any accessibility named like a positional parameter replaces its synthesized property.
                case PropertyDeclarationSyntax p when drafts.Any(d => d.Name == p.Identifier.ValueText):
                case FieldDeclarationSyntax f when f.Declaration.Variables.Any(v => drafts.Any(d => d.Name == v.Identifier.ValueText)):
                    return null;
                case PropertyDeclarationSyntax property:
                {
                    if (!IsPublicInstance(property.Modifiers) || property.ExplicitInterfaceSpecifier is not null) continue;
                    if (property.ExpressionBody is not null)
                    {
                        // Computed (=> expr) is not data, unless it is a semi-auto property over 'field'.
                        if (MentionsField(property.ExpressionBody)) return null;
                        continue;
                    }
                    if (property.AccessorList is not { } accessors || accessors.Accessors.Any(a => a.Body is not null || a.ExpressionBody is not null)) return null;
                    if (!accessors.Accessors.Any(a => a.IsKind(SyntaxKind.GetAccessorDeclaration))) continue;
                    bool set = accessors.Accessors.Any(a => a.IsKind(SyntaxKind.SetAccessorDeclaration));
                    bool init = accessors.Accessors.Any(a => a.IsKind(SyntaxKind.InitAccessorDeclaration));
                    if (SlotAttribute(property.AttributeLists, PropertyTargets, out var slot) is false) return null;
                    drafts.Add(new Draft(property.Identifier.ValueText, property.Type, slot, settable: set || init, mutable: set));
                    break;
                }
                case FieldDeclarationSyntax field:
                {
                    if (!IsPublicInstance(field.Modifiers) || field.Modifiers.Any(SyntaxKind.ConstKeyword)) continue;
                    if (field.Modifiers.Any(SyntaxKind.FixedKeyword) || field.Declaration.Variables.Count != 1) return null;
                    if (SlotAttribute(field.AttributeLists, FieldTargets, out var slot) is false) return null;
                    bool writable = !field.Modifiers.Any(SyntaxKind.ReadOnlyKeyword);
                    drafts.Add(new Draft(field.Declaration.Variables[0].Identifier.ValueText, field.Declaration.Type, slot, writable, writable));
                    break;
                }
                case ConstructorDeclarationSyntax constructor when !constructor.Modifiers.Any(SyntaxKind.StaticKeyword):
                    return null; // the symbol parser chooses between constructors
                case EventFieldDeclarationSyntax or EventDeclarationSyntax or IncompleteMemberSyntax:
                    return null;
            }
        }

        // Two members whose names differ only in case make constructor matching ambiguous: leave it to the symbols.
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        return drafts.All(d => names.Add(d.Name)) ? drafts : null;
    }

    /// <summary>
    /// Slots as EventParser assigns them: all pinned by literal [ZamMember(n)] in 0–248 without repeats, or all
    /// implicit by declaration order. An attribute written as ZamMember is taken to be ZamSync's without binding
    /// it: where it is not, the analyzer stops the build (ZS1005).
    /// </summary>
    private static bool AssignSlots(List<Draft> drafts)
    {
        int pinned = drafts.Count(d => d.SlotAttribute is not null);
        if (pinned == 0)
        {
            for (int i = 0; i < drafts.Count; i++) drafts[i].Slot = i;
            return drafts.Count <= 249;
        }
        if (pinned != drafts.Count) return false;

        var taken = new HashSet<long>();
        foreach (var draft in drafts)
        {
            if (AttributeNames.LiteralArgument(draft.SlotAttribute!, unsigned: false) is not { } slot || slot > 248 || !taken.Add(slot)) return false;
            draft.Slot = (int)slot;
        }
        return true;
    }

    /// <summary>
    /// The type a member is declared with, as its symbol would have it. Binding type syntax loses the outermost
    /// nullable annotation of a reference type (<c>string?</c> binds to <c>string</c>) while keeping inner ones, so
    /// it is put back from the syntax.
    /// </summary>
    internal static ITypeSymbol? DeclaredType(TypeSyntax syntax, SemanticModel model, CancellationToken cancellationToken)
    {
        if (model.GetTypeInfo(syntax, cancellationToken).Type is not { TypeKind: not TypeKind.Error } type) return null;
        return syntax is NullableTypeSyntax && !type.IsValueType ? type.WithNullableAnnotation(NullableAnnotation.Annotated) : type;
    }

    // Where EventParser looks for a slot: on the property (or field), and on a positional record's parameter.
    // [property: ZamMember(0)] on a positional parameter is the documented spelling; [field: ...] on a property
    // goes to the hidden backing field, where the symbol parser does not look.
    private static readonly string[] ParameterTargets = ["property", "param"];
    private static readonly string[] PropertyTargets = ["property"];
    private static readonly string[] FieldTargets = ["field"];

    /// <summary>
    /// False when the member has more than one [ZamMember], or one with a target the symbol parser does not read;
    /// otherwise the one it has, or null.
    /// </summary>
    private static bool SlotAttribute(SyntaxList<AttributeListSyntax> lists, string[] targets, out AttributeSyntax? slot)
    {
        slot = null;
        int count = 0;
        foreach (var list in lists)
        {
            foreach (var attribute in list.Attributes)
            {
                if (!AttributeNames.IsNamed(attribute, AttributeNames.ZamMember)) continue;
                if (list.Target is { } target && Array.IndexOf(targets, target.Identifier.ValueText) < 0) return false;
                slot ??= attribute;
                count++;
            }
        }
        return count <= 1;
    }

    private static bool IsPublicInstance(SyntaxTokenList modifiers) =>
        modifiers.Any(SyntaxKind.PublicKeyword) && !modifiers.Any(SyntaxKind.StaticKeyword);

    private static bool MentionsField(SyntaxNode node) =>
        node.DescendantTokens().Any(t => t.IsKind(SyntaxKind.FieldKeyword) || (t.IsKind(SyntaxKind.IdentifierToken) && t.ValueText == "field"));
}

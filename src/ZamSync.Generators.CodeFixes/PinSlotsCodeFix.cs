using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ZamSync.Generators.CodeFixes;

/// <summary>
/// ZS3002 (some members pinned with [ZamMember], some not): pins every unpinned member of the type at once. Each
/// takes the slot it already has on the wire, so the bytes do not change: the slot the contract manifest records
/// for its name, else its implicit slot (its place in declaration order) when that is free, else the next free slot
/// above every used and retired one. Positional parameters get <c>[property: ZamMember(n)]</c>.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PinSlotsCodeFix)), Shared]
public sealed class PinSlotsCodeFix : CodeFixProvider
{
    public const string Title = "Pin every member's slot";
    private const string ZamMemberAttribute = "ZamSync.ZamMemberAttribute";
    private const string ZamEventAttribute = "ZamSync.ZamEventAttribute";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("ZS3002");

    // One action fixes the whole type; a second would pin again from a stale view.
    public override FixAllProvider? GetFixAllProvider() => null;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null) return;
        foreach (var diagnostic in context.Diagnostics)
        {
            var declaration = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<TypeDeclarationSyntax>();
            if (declaration is null || model.GetDeclaredSymbol(declaration, context.CancellationToken) is not INamedTypeSymbol type) continue;
            var manifest = await ManifestSlots(context.Document.Project, type, context.CancellationToken).ConfigureAwait(false);
            var plan = Plan(type, manifest);
            if (plan is null || plan.Count == 0) continue;
            context.RegisterCodeFix(
                CodeAction.Create(Title, ct => Pin(context.Document, root, plan, ct), equivalenceKey: nameof(PinSlotsCodeFix)),
                diagnostic);
        }
    }

    /// <summary>The syntax to pin and its slot, or null when a member cannot take an attribute of its own.</summary>
    private static List<(SyntaxNode Node, int Slot)>? Plan(INamedTypeSymbol type, Manifest manifest)
    {
        var members = DataMembers(type);
        var taken = new HashSet<int>(manifest.Retired);
        var unpinned = new List<(ISymbol Symbol, SyntaxNode Node, int Index)>();
        for (int i = 0; i < members.Count; i++)
        {
            var (symbol, node) = members[i];
            if (PinnedSlot(symbol) is { } slot) taken.Add(slot);
            else if (node is null) return null;
            else unpinned.Add((symbol, node, i));
        }
        // Slots the manifest records for members that are still here are theirs, pinned or not.
        foreach (var (symbol, _, _) in unpinned)
        {
            if (manifest.Live.TryGetValue(symbol.Name, out int recorded)) taken.Add(recorded);
        }
        var plan = new List<(SyntaxNode, int)>();
        foreach (var (symbol, node, index) in unpinned)
        {
            int slot;
            if (manifest.Live.TryGetValue(symbol.Name, out int recorded)) slot = recorded;
            else if (!taken.Contains(index)) slot = index;
            else slot = taken.Count == 0 ? 0 : taken.Max() + 1;
            taken.Add(slot);
            plan.Add((node, slot));
        }
        return plan;
    }

    /// <summary>The serialized members as the generator finds them (public instance data), in declaration order.</summary>
    private static List<(ISymbol Symbol, SyntaxNode? Node)> DataMembers(INamedTypeSymbol type)
    {
        var list = new List<(ISymbol, SyntaxNode?, Location)>();
        var all = type.GetMembers();
        foreach (var member in all)
        {
            if (member.IsStatic || member.DeclaredAccessibility != Accessibility.Public || member.IsImplicitlyDeclared) continue;
            var syntax = member.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax();
            switch (member)
            {
                case IPropertySymbol p when !p.IsIndexer && p.GetMethod is not null && p.Name != "EqualityContract":
                {
                    bool auto = all.OfType<IFieldSymbol>().Any(f => SymbolEqualityComparer.Default.Equals(f.AssociatedSymbol, p));
                    if (p.SetMethod is null && !auto && syntax is not ParameterSyntax) continue;
                    list.Add((p, syntax is ParameterSyntax or PropertyDeclarationSyntax ? syntax : null, p.Locations[0]));
                    break;
                }
                case IFieldSymbol f when !f.IsConst:
                {
                    // A field declaration of several variables cannot give each its own attribute.
                    var field = syntax?.FirstAncestorOrSelf<FieldDeclarationSyntax>();
                    list.Add((f, field is { Declaration.Variables.Count: 1 } ? field : null, f.Locations[0]));
                    break;
                }
            }
        }
        return list.OrderBy(m => m.Item3.SourceTree?.FilePath, StringComparer.Ordinal).ThenBy(m => m.Item3.SourceSpan.Start)
            .Select(m => (m.Item1, m.Item2)).ToList();
    }

    private static int? PinnedSlot(ISymbol member)
    {
        var attribute = member.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == ZamMemberAttribute);
        if (attribute is null && member is IPropertySymbol property)
        {
            // A positional parameter's [property: ZamMember] sits on the property; a bare one on the parameter.
            var parameter = property.ContainingType.InstanceConstructors.SelectMany(c => c.Parameters).FirstOrDefault(p => p.Name == property.Name
                && p.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is ParameterSyntax));
            attribute = parameter?.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == ZamMemberAttribute);
        }
        return attribute is { ConstructorArguments.Length: 1 } && attribute.ConstructorArguments[0].Value is int slot ? slot : null;
    }

    private static Task<Document> Pin(Document document, SyntaxNode root, List<(SyntaxNode Node, int Slot)> plan, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var slots = plan.ToDictionary(p => p.Node, p => p.Slot);
        var updated = root.ReplaceNodes(slots.Keys, (original, current) => WithSlot(current, slots[original]));
        return Task.FromResult(document.WithSyntaxRoot(updated));
    }

    private static SyntaxNode WithSlot(SyntaxNode node, int slot)
    {
        var argument = SyntaxFactory.AttributeArgument(SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(slot)));
        var attribute = SyntaxFactory.Attribute(SyntaxFactory.IdentifierName("ZamMember"), SyntaxFactory.AttributeArgumentList(SyntaxFactory.SingletonSeparatedList(argument)));
        var list = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(attribute));
        if (node is ParameterSyntax) list = list.WithTarget(SyntaxFactory.AttributeTargetSpecifier(SyntaxFactory.Token(SyntaxKind.PropertyKeyword)).WithTrailingTrivia(SyntaxFactory.Space));
        // The attribute goes where the declaration began, on the same line; the declaration keeps its comments.
        var leading = node.GetLeadingTrivia();
        list = list.WithLeadingTrivia(leading).WithTrailingTrivia(SyntaxFactory.Space);
        var bare = node.WithLeadingTrivia(SyntaxFactory.TriviaList());
        return bare switch
        {
            ParameterSyntax p => p.WithAttributeLists(p.AttributeLists.Insert(0, list)),
            PropertyDeclarationSyntax p => p.WithAttributeLists(p.AttributeLists.Insert(0, list)),
            FieldDeclarationSyntax f => f.WithAttributeLists(f.AttributeLists.Insert(0, list)),
            _ => node,
        };
    }

    private sealed class Manifest
    {
        public Dictionary<string, int> Live { get; } = new(StringComparer.Ordinal);
        public HashSet<int> Retired { get; } = new();
    }

    /// <summary>What the contract manifest records for this event (its id and version): live slots by name, and retired slots.</summary>
    private static async Task<Manifest> ManifestSlots(Project project, INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        var result = new Manifest();
        var attribute = type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == ZamEventAttribute);
        if (attribute is not { ConstructorArguments.Length: 1 } || attribute.ConstructorArguments[0].Value is not uint id) return result;
        int version = attribute.NamedArguments.FirstOrDefault(a => a.Key == "Version").Value.Value is int v ? v : 1;
        foreach (var additional in project.AdditionalDocuments)
        {
            if (!string.Equals(System.IO.Path.GetFileName(additional.FilePath ?? additional.Name), NextFreeIdCodeFix.ManifestFileName, StringComparison.OrdinalIgnoreCase)) continue;
            var text = await additional.GetTextAsync(cancellationToken).ConfigureAwait(false);
            bool inside = false;
            foreach (var raw in text.Lines)
            {
                string line = raw.ToString().Trim();
                if (line.StartsWith("event ", StringComparison.Ordinal) || line.StartsWith("retired-event ", StringComparison.Ordinal))
                {
                    // "event <id> [v<version>] <Name>"
                    var words = line.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);
                    int recordedVersion = words.Length > 2 && words[2].Length > 1 && words[2][0] == 'v'
                        && int.TryParse(words[2].Substring(1), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : 1;
                    inside = words[0] == "event" && words.Length > 1
                        && uint.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out uint recordedId)
                        && recordedId == id && recordedVersion == version;
                    continue;
                }
                if (!inside) continue;
                var parts = line.Split(new[] { ' ' }, 3, StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length < 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int slot)) continue;
                if (parts[0] == "retired-slot") result.Retired.Add(slot);
                else if (parts[0] == "slot" && parts.Length == 3) result.Live[parts[2].Split(':')[0].Trim()] = slot;
            }
        }
        return result;
    }
}

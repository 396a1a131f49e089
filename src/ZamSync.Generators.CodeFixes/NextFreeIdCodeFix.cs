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
/// ZS2001 (id 0) and ZS2002 (id used twice): replaces the id argument with the next free id, one above the highest
/// id in use by the project's events or recorded in its contract manifest (live or retired), so a retired id is
/// never handed out again.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(NextFreeIdCodeFix)), Shared]
public sealed class NextFreeIdCodeFix : CodeFixProvider
{
    public const string ManifestFileName = "zamsync.contract.txt";
    private const string ZamEventAttribute = "ZamSync.ZamEventAttribute";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("ZS2001", "ZS2002");

    // Fixing several at once would hand every one of them the same id.
    public override FixAllProvider? GetFixAllProvider() => null;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (var diagnostic in context.Diagnostics)
        {
            var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            var argument = node.FirstAncestorOrSelf<AttributeArgumentSyntax>();
            if (argument is null) continue;
            uint next = await NextFreeId(context.Document.Project, context.CancellationToken).ConfigureAwait(false);
            if (next == 0) continue;
            context.RegisterCodeFix(
                CodeAction.Create($"Use the next free id ({next})", ct => Replace(context.Document, root, argument, next, ct), equivalenceKey: nameof(NextFreeIdCodeFix)),
                diagnostic);
        }
    }

    /// <summary>One above the highest id in the project's [ZamEvent] types and its manifest; 0 if none is left.</summary>
    public static async Task<uint> NextFreeId(Project project, CancellationToken cancellationToken)
    {
        var used = new HashSet<uint>();
        var compilation = await project.GetCompilationAsync(cancellationToken).ConfigureAwait(false);
        if (compilation is not null)
        {
            foreach (var symbol in compilation.GetSymbolsWithName(_ => true, SymbolFilter.Type, cancellationToken).OfType<INamedTypeSymbol>())
            {
                foreach (var attribute in symbol.GetAttributes())
                {
                    if (attribute.AttributeClass?.ToDisplayString() == ZamEventAttribute
                        && attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is uint id)
                    {
                        used.Add(id);
                    }
                }
            }
        }
        foreach (var additional in project.AdditionalDocuments)
        {
            if (!string.Equals(System.IO.Path.GetFileName(additional.FilePath ?? additional.Name), ManifestFileName, StringComparison.OrdinalIgnoreCase)) continue;
            var text = await additional.GetTextAsync(cancellationToken).ConfigureAwait(false);
            foreach (var line in text.Lines)
            {
                var parts = line.ToString().Trim().Split(' ');
                if (parts.Length >= 2 && parts[0] is "event" or "retired-event"
                    && uint.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                {
                    used.Add(id);
                }
            }
        }
        uint max = used.Count == 0 ? 0 : used.Max();
        return max >= 0xFF_FFFF ? 0 : max + 1; // the largest id: the top byte of a wire id is the version
    }

    private static Task<Document> Replace(Document document, SyntaxNode root, AttributeArgumentSyntax argument, uint id, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var literal = id <= int.MaxValue
            ? SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal((int)id))
            : SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(id));
        var updated = argument.WithExpression(literal.WithTriviaFrom(argument.Expression));
        return Task.FromResult(document.WithSyntaxRoot(root.ReplaceNode(argument, updated)));
    }
}

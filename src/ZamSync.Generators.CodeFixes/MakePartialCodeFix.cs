using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ZamSync.Generators.CodeFixes;

/// <summary>ZS1001: adds <c>partial</c> to the contract type's declaration (after its other modifiers).</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakePartialCodeFix)), Shared]
public sealed class MakePartialCodeFix : CodeFixProvider
{
    public const string Title = "Make the type partial";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("ZS1001");

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (var diagnostic in context.Diagnostics)
        {
            var declaration = root.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<TypeDeclarationSyntax>();
            if (declaration is null || declaration.Modifiers.Any(SyntaxKind.PartialKeyword)) continue;
            context.RegisterCodeFix(
                CodeAction.Create(Title, ct => AddPartial(context.Document, root, declaration, ct), equivalenceKey: nameof(MakePartialCodeFix)),
                diagnostic);
        }
    }

    private static Task<Document> AddPartial(Document document, SyntaxNode root, TypeDeclarationSyntax declaration, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        TypeDeclarationSyntax updated;
        if (declaration.Modifiers.Count == 0)
        {
            // 'record Evt' → 'partial record Evt': the keyword's leading trivia moves to 'partial'.
            var keyword = declaration.Keyword;
            var partial = SyntaxFactory.Token(keyword.LeadingTrivia, SyntaxKind.PartialKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space));
            updated = declaration.WithKeyword(keyword.WithLeadingTrivia(SyntaxFactory.TriviaList())).WithModifiers(SyntaxFactory.TokenList(partial));
        }
        else
        {
            // 'partial' must be the last modifier: 'public sealed partial class'.
            updated = declaration.AddModifiers(SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space));
        }
        return Task.FromResult(document.WithSyntaxRoot(root.ReplaceNode(declaration, updated)));
    }
}

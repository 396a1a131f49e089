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

/// <summary>
/// ZS6004: formats or parses with <c>CultureInfo.InvariantCulture</c>. A call gets the provider argument where the
/// overload that takes one has it (<c>n.ToString()</c> → <c>n.ToString(CultureInfo.InvariantCulture)</c>,
/// <c>int.TryParse(s, out v)</c> → <c>int.TryParse(s, CultureInfo.InvariantCulture, out v)</c>,
/// <c>string.Format(f, x)</c> → <c>string.Format(CultureInfo.InvariantCulture, f, x)</c>); an interpolated string is
/// wrapped in <c>string.Create(CultureInfo.InvariantCulture, $"...")</c>. Offered only when such an overload exists:
/// linguistic comparisons and sorting need a StringComparison or comparer the user chooses.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(InvariantCultureCodeFix)), Shared]
public sealed class InvariantCultureCodeFix : CodeFixProvider
{
    public const string Title = "Use CultureInfo.InvariantCulture";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("ZS6004");

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null) return;
        var provider = model.Compilation.GetTypeByMetadataName("System.IFormatProvider");
        if (provider is null) return;
        foreach (var diagnostic in context.Diagnostics)
        {
            var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            SyntaxNode? replacement = null;
            SyntaxNode? target = null;
            if (node is InterpolatedStringExpressionSyntax interpolated && IsPlainString(model, interpolated, context.CancellationToken))
            {
                target = interpolated;
                replacement = SyntaxFactory.ParseExpression("string.Create(CultureInfo.InvariantCulture, " + interpolated.WithoutTrivia().ToFullString() + ")")
                    .WithTriviaFrom(interpolated);
            }
            else if (node.FirstAncestorOrSelf<InvocationExpressionSyntax>() is { } invocation && invocation.Span == node.Span
                && WithProvider(model, invocation, provider, context.CancellationToken) is { } updated)
            {
                target = invocation;
                replacement = updated;
            }
            if (target is null || replacement is null) continue;
            var (oldNode, newNode) = (target, replacement);
            context.RegisterCodeFix(
                CodeAction.Create(Title, ct => Replace(context.Document, root, model, oldNode, newNode, ct), equivalenceKey: nameof(InvariantCultureCodeFix)),
                diagnostic);
        }
    }

    /// <summary>An interpolated string that becomes a string directly (not a handler argument or a FormattableString).</summary>
    private static bool IsPlainString(SemanticModel model, InterpolatedStringExpressionSyntax syntax, CancellationToken cancellationToken)
    {
        var info = model.GetTypeInfo(syntax, cancellationToken);
        return info.ConvertedType?.SpecialType == SpecialType.System_String;
    }

    /// <summary>The invocation with an InvariantCulture argument where the provider overload takes it, or null.</summary>
    private static InvocationExpressionSyntax? WithProvider(SemanticModel model, InvocationExpressionSyntax invocation, INamedTypeSymbol provider, CancellationToken cancellationToken)
    {
        if (model.GetSymbolInfo(invocation, cancellationToken).Symbol is not IMethodSymbol method) return null;
        if (invocation.ArgumentList.Arguments.Any(a => a.NameColon is not null)) return null;
        foreach (var candidate in method.ContainingType.GetMembers(method.Name).OfType<IMethodSymbol>())
        {
            if (candidate.IsStatic != method.IsStatic || candidate.Parameters.Length != method.Parameters.Length + 1) continue;
            int at = ProviderPosition(candidate, method, provider);
            if (at < 0 || at > invocation.ArgumentList.Arguments.Count) continue;
            var argument = SyntaxFactory.Argument(SyntaxFactory.ParseExpression("CultureInfo.InvariantCulture"));
            var arguments = invocation.ArgumentList.Arguments.Insert(at, argument);
            return invocation.WithArgumentList(invocation.ArgumentList.WithArguments(arguments));
        }
        return null;
    }

    /// <summary>Where <paramref name="candidate"/> is <paramref name="method"/> with one IFormatProvider parameter added; -1 if it is not.</summary>
    private static int ProviderPosition(IMethodSymbol candidate, IMethodSymbol method, INamedTypeSymbol provider)
    {
        for (int at = 0; at < candidate.Parameters.Length; at++)
        {
            if (!SymbolEqualityComparer.Default.Equals(candidate.Parameters[at].Type, provider)) continue;
            bool same = true;
            for (int i = 0, j = 0; i < method.Parameters.Length; i++, j++)
            {
                if (j == at) j++;
                var (p, q) = (method.Parameters[i], candidate.Parameters[j]);
                if (p.RefKind != q.RefKind || !SymbolEqualityComparer.Default.Equals(p.Type.OriginalDefinition, q.Type.OriginalDefinition)) { same = false; break; }
            }
            if (same) return at;
        }
        return -1;
    }

    private static Task<Document> Replace(Document document, SyntaxNode root, SemanticModel model, SyntaxNode oldNode, SyntaxNode newNode, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var updated = root.ReplaceNode(oldNode, newNode);
        return Task.FromResult(document.WithSyntaxRoot(Usings.Ensure(updated, model, oldNode.SpanStart, "System.Globalization", "CultureInfo")));
    }
}

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
/// ZS6001 on <c>DateTime.UtcNow</c>, <c>Now</c>, <c>Today</c> or <c>DateTimeOffset.UtcNow</c>, <c>Now</c> written
/// directly in an Apply: replaces the clock with a time every node agrees on. Offers the event's own member when the
/// event has exactly one of that type (<c>e.RecordedAt</c>), and the event's HLC stamp when Apply takes an
/// <c>EventContext</c> (<c>DateTimeOffset.FromUnixTimeMilliseconds(ctx.Hlc.Physical)</c>, UTC, since the local
/// zone is itself per node). Not offered in a helper: only Apply has the event and its context at hand.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(EventTimeCodeFix)), Shared]
public sealed class EventTimeCodeFix : CodeFixProvider
{
    public const string HlcTitle = "Use the event's HLC time (UTC)";

    private const string ZamStateAttribute = "ZamSync.ZamStateAttribute";
    private const string ZamEventAttribute = "ZamSync.ZamEventAttribute";
    private const string EventContext = "ZamSync.EventContext";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("ZS6001");

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null) return;
        foreach (var diagnostic in context.Diagnostics)
        {
            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not MemberAccessExpressionSyntax access) continue;
            if (model.GetSymbolInfo(access, context.CancellationToken).Symbol is not IPropertySymbol { IsStatic: true } clock) continue;
            bool offset = clock.ContainingType.ToDisplayString() == "System.DateTimeOffset";
            if (!offset && clock.ContainingType.ToDisplayString() != "System.DateTime") continue;
            if (clock.Name is not ("UtcNow" or "Now" or "Today") || (offset && clock.Name == "Today")) continue;
            if (EnclosingApply(model, access, context.CancellationToken) is not { } apply) continue;

            // The event's own time: its one member of the clock's type.
            var members = apply.Parameters[0].Type.GetMembers().OfType<IPropertySymbol>()
                .Where(p => p is { IsStatic: false, DeclaredAccessibility: Accessibility.Public, GetMethod: not null, IsIndexer: false }
                    && SymbolEqualityComparer.Default.Equals(p.Type, clock.ContainingType))
                .ToList();
            if (members.Count == 1)
            {
                string text = apply.Parameters[0].Name + "." + members[0].Name + (clock.Name == "Today" ? ".Date" : "");
                Register(context, diagnostic, root, access, text, $"Use the event's own time ({text})");
            }

            // The HLC stamp, when Apply takes the context and the code can see it (a lambda cannot capture an 'in' parameter).
            if (apply.Parameters.Length == 2 && apply.Parameters[1].Type.ToDisplayString() == EventContext
                && !(apply.Parameters[1].RefKind == RefKind.In && InsideLambdaOrLocalFunction(access)))
            {
                // 'DateTime.UtcNow' means System is in scope; 'System.DateTime.UtcNow' may mean it is not.
                string type = access.Expression is IdentifierNameSyntax ? "DateTimeOffset" : "global::System.DateTimeOffset";
                string hlc = $"{type}.FromUnixTimeMilliseconds({apply.Parameters[1].Name}.Hlc.Physical)";
                string text = offset ? hlc : hlc + ".UtcDateTime" + (clock.Name == "Today" ? ".Date" : "");
                Register(context, diagnostic, root, access, text, HlcTitle);
            }
        }
    }

    private static void Register(CodeFixContext context, Diagnostic diagnostic, SyntaxNode root, MemberAccessExpressionSyntax access, string text, string title)
    {
        var replacement = SyntaxFactory.ParseExpression(text).WithTriviaFrom(access);
        context.RegisterCodeFix(
            CodeAction.Create(title, ct =>
            {
                ct.ThrowIfCancellationRequested();
                return Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(access, replacement)));
            }, equivalenceKey: nameof(EventTimeCodeFix) + title),
            diagnostic);
    }

    /// <summary>The [ZamState] Apply handler the node is written in, or null.</summary>
    private static IMethodSymbol? EnclosingApply(SemanticModel model, SyntaxNode node, CancellationToken cancellationToken)
    {
        if (node.FirstAncestorOrSelf<MethodDeclarationSyntax>() is not { } declaration) return null;
        if (model.GetDeclaredSymbol(declaration, cancellationToken) is not IMethodSymbol method) return null;
        bool handler = method is { Name: "Apply", IsStatic: false, Parameters.Length: 1 or 2 }
            && method.ContainingType.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == ZamStateAttribute)
            && method.Parameters[0].Type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == ZamEventAttribute);
        return handler ? method : null;
    }

    private static bool InsideLambdaOrLocalFunction(SyntaxNode node) =>
        node.Ancestors().TakeWhile(a => a is not MethodDeclarationSyntax).Any(a => a is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax);
}

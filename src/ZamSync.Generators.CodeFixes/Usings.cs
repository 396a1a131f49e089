using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ZamSync.Generators.CodeFixes;

/// <summary>Adds a using directive for a namespace the fixed code names by a short name, unless it is already in scope.</summary>
internal static class Usings
{
    /// <summary>
    /// <paramref name="root"/> with <c>using <paramref name="ns"/>;</c> added after the file's last using (at the top if it
    /// has none), unless <paramref name="typeName"/> already binds to that namespace's type at <paramref name="position"/>
    /// (a using or global using in scope).
    /// </summary>
    public static SyntaxNode Ensure(SyntaxNode root, SemanticModel model, int position, string ns, string typeName)
    {
        bool inScope = model.LookupNamespacesAndTypes(position, name: typeName)
            .Any(s => s.ContainingNamespace?.ToDisplayString() == ns);
        if (inScope || root is not CompilationUnitSyntax unit) return root;
        var directive = SyntaxFactory.UsingDirective(SyntaxFactory.ParseName(ns))
            .WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword).WithTrailingTrivia(SyntaxFactory.Space))
            .WithTrailingTrivia(SyntaxFactory.EndOfLine("\n"));
        return unit.WithUsings(unit.Usings.Add(directive));
    }
}

using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ZamSync.Generators.Parsing;

/// <summary>
/// Recognises ZamSync's attributes by how they are written, without binding them: <c>[ZamEvent]</c>,
/// <c>[ZamEventAttribute]</c>, <c>[ZamSync.ZamEvent]</c> and <c>[global::ZamSync.ZamEvent]</c> all end in the same
/// simple name. The generator finds contract types this way; an alias (<c>using E = ZamSync.ZamEventAttribute</c>)
/// hides the name, so the analyzer refuses one (ZS1005).
/// </summary>
internal static class AttributeNames
{
    public const string ZamEvent = "ZamEvent";
    public const string ZamState = "ZamState";
    public const string ZamMember = "ZamMember";
    public const string MemoryPackable = "MemoryPackable";
    public const string ZamUpcast = "ZamUpcast";

    /// <summary>The rightmost identifier of an attribute's name.</summary>
    public static string SimpleName(AttributeSyntax attribute) => attribute.Name switch
    {
        SimpleNameSyntax simple => simple.Identifier.ValueText,
        QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
        AliasQualifiedNameSyntax alias => alias.Name.Identifier.ValueText,
        _ => "",
    };

    /// <summary>Whether the attribute is written as <paramref name="shortName"/>, with or without the suffix.</summary>
    public static bool IsNamed(AttributeSyntax attribute, string shortName)
    {
        string name = SimpleName(attribute);
        return name.Length == shortName.Length
            ? name == shortName
            : name.Length == shortName.Length + "Attribute".Length && name.StartsWith(shortName, System.StringComparison.Ordinal)
              && name.EndsWith("Attribute", System.StringComparison.Ordinal);
    }

    /// <summary>The attributes in <paramref name="lists"/> written as <paramref name="shortName"/>: the first, and how many.</summary>
    public static AttributeSyntax? Find(SyntaxList<AttributeListSyntax> lists, string shortName, out int count)
    {
        AttributeSyntax? first = null;
        count = 0;
        foreach (var list in lists)
        {
            foreach (var attribute in list.Attributes)
            {
                if (!IsNamed(attribute, shortName)) continue;
                first ??= attribute;
                count++;
            }
        }
        return first;
    }

    /// <summary>Whether any attribute list in <paramref name="lists"/> names its target (<c>[property: ...]</c>).</summary>
    public static bool AnyTargeted(SyntaxList<AttributeListSyntax> lists)
    {
        foreach (var list in lists)
        {
            if (list.Target is not null) return true;
        }
        return false;
    }

    /// <summary>
    /// The attribute's single positional argument when it is a non-negative integer literal (<c>7</c>, or
    /// <c>7u</c> when <paramref name="unsigned"/> says the parameter is a uint), which is how ids and slots are
    /// almost always written; null for anything the compiler would have to evaluate or convert.
    /// </summary>
    public static long? LiteralArgument(AttributeSyntax attribute, bool unsigned)
    {
        if (attribute.ArgumentList is not { Arguments.Count: 1 } list) return null;
        var argument = list.Arguments[0];
        if (argument.NameColon is not null || argument.NameEquals is not null) return null;
        if (argument.Expression is not LiteralExpressionSyntax literal) return null;
        return literal.Token.Value switch
        {
            int i when i >= 0 => i,
            uint u when unsigned => u,
            _ => null,
        };
    }
}

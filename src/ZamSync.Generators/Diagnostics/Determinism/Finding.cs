using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace ZamSync.Generators.Diagnostics.Determinism;

/// <summary>One nondeterministic operation found in a method body: the rule, where it is, and the API it names.</summary>
internal readonly struct Finding(DiagnosticDescriptor rule, Location location, string api)
{
    public DiagnosticDescriptor Rule { get; } = rule;
    public Location Location { get; } = location;
    public string Api { get; } = api;
}

/// <summary>
/// What one source method's body holds: its own findings, and the source methods it calls (or reads through a
/// property, constructs, or turns into a delegate), so the end of the compilation can follow every Apply into them.
/// </summary>
internal sealed class MethodFacts(IReadOnlyList<Finding> findings, IReadOnlyList<IMethodSymbol> callees)
{
    public IReadOnlyList<Finding> Findings { get; } = findings;
    public IReadOnlyList<IMethodSymbol> Callees { get; } = callees;
}

using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ZamSync.Generators.Diagnostics.Determinism;

/// <summary>
/// Gathers one method body's <see cref="MethodFacts"/> from the operations the analyzer hands it. It knows nothing
/// about Apply: every source method is described the same way, and only the end of the compilation decides which
/// of them an Apply reaches.
/// </summary>
internal sealed class FactCollector(DeterminismRules rules)
{
    private readonly object _gate = new();
    private readonly List<Finding> _findings = new();
    private readonly List<IMethodSymbol> _callees = new();
    private readonly HashSet<IMethodSymbol> _seenCallees = new(SymbolEqualityComparer.Default);

    public void Add(Finding finding)
    {
        lock (_gate) _findings.Add(finding);
    }

    /// <summary>Records a call into another source method (metadata methods have no body to follow).</summary>
    public void AddCallee(IMethodSymbol? method)
    {
        if (method is null) return;
        var normalized = CallGraph.Normalize(method);
        if (normalized.DeclaringSyntaxReferences.Length == 0) return;
        lock (_gate)
        {
            if (_seenCallees.Add(normalized)) _callees.Add(normalized);
        }
    }

    public void Visit(IOperation operation)
    {
        foreach (var finding in rules.Check(operation, this)) Add(finding);
    }

    public MethodFacts? Build()
    {
        lock (_gate)
        {
            return _findings.Count == 0 && _callees.Count == 0 ? null : new MethodFacts(_findings.ToArray(), _callees.ToArray());
        }
    }
}

using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;

namespace ZamSync.Generators.Diagnostics.Determinism;

/// <summary>
/// Follows each Apply through the source methods it calls, breadth first with a visited set (so recursion ends and
/// the path named in a message is a shortest one), and reports what it finds there.
/// </summary>
internal static class CallGraph
{
    /// <summary>
    /// How many methods one Apply may reach before the walk stops. Real reducers reach a handful; the bound only keeps
    /// a pathological call graph from making every build slow.
    /// </summary>
    public const int MaxMethodsPerApply = 2000;

    /// <summary>One symbol per method body: the definition of a generic or extension call, the implementation of a partial method.</summary>
    public static IMethodSymbol Normalize(IMethodSymbol method)
    {
        var m = (method.ReducedFrom ?? method).OriginalDefinition;
        return m.PartialImplementationPart ?? m;
    }

    /// <summary>
    /// Reports every finding reached from <paramref name="applies"/> once: a helper reached from several Apply methods is
    /// reported for the first of them in <paramref name="applies"/>' order, through the shortest path.
    /// </summary>
    public static void Report(IEnumerable<IMethodSymbol> applies, IReadOnlyDictionary<IMethodSymbol, MethodFacts> facts,
        System.Action<Diagnostic> report, System.Threading.CancellationToken cancellationToken)
    {
        var reported = new HashSet<(string Id, Location Location)>();
        foreach (var apply in applies)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var start = Normalize(apply);
            var parent = new Dictionary<IMethodSymbol, IMethodSymbol?>(SymbolEqualityComparer.Default) { [start] = null };
            var queue = new Queue<IMethodSymbol>();
            queue.Enqueue(start);
            while (queue.Count > 0)
            {
                var method = queue.Dequeue();
                if (!facts.TryGetValue(method, out var methodFacts)) continue;
                foreach (var finding in methodFacts.Findings)
                {
                    if (!reported.Add((finding.Rule.Id, finding.Location))) continue;
                    report(Diagnostic.Create(finding.Rule, finding.Location, finding.Api, Where(apply, method, parent)));
                }
                foreach (var callee in methodFacts.Callees)
                {
                    if (parent.ContainsKey(callee) || parent.Count >= MaxMethodsPerApply) continue;
                    parent[callee] = method;
                    queue.Enqueue(callee);
                }
            }
        }
    }

    /// <summary>" in S.Apply(Evt)", or ", reached from S.Apply(Evt) via Helpers.Stamp -> Clock.Read" (each message puts it after the API).</summary>
    private static string Where(IMethodSymbol apply, IMethodSymbol method, Dictionary<IMethodSymbol, IMethodSymbol?> parent)
    {
        string applyName = $"{apply.ContainingType.Name}.Apply({apply.Parameters[0].Type.Name})";
        var path = new List<IMethodSymbol>();
        for (var m = method; parent[m] is { } p; m = p) path.Add(m);
        if (path.Count == 0) return " in " + applyName;
        path.Reverse();
        var text = new StringBuilder(", reached from ").Append(applyName).Append(" via ");
        text.Append(string.Join(" -> ", path.Select(Name)));
        return text.ToString();
    }

    /// <summary>How a message names a method: <c>Type.Method</c>, a property by its own name, a constructor as <c>new Type</c>.</summary>
    public static string Name(IMethodSymbol method) => method.MethodKind switch
    {
        MethodKind.Constructor => "new " + method.ContainingType.Name,
        MethodKind.PropertyGet or MethodKind.PropertySet when method.AssociatedSymbol is { } property => method.ContainingType.Name + "." + property.Name,
        _ => method.ContainingType.Name + "." + method.Name,
    };
}

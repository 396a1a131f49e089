using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using ZamSync.Generators.Model;
using ZamSync.Generators.Parsing;

namespace ZamSync.Generators.Diagnostics;

/// <summary>The compilation-wide rules of event versions: each later version has an upcaster (ZS2003), each older version one way up (ZS2004).</summary>
internal static class UpcastRules
{
    public static void Check(CompilationAnalysisContext context, IReadOnlyList<(INamedTypeSymbol Type, uint Id, AttributeData Attribute)> events,
        IReadOnlyList<(IMethodSymbol Method, UpcastModel Model)> upcasters)
    {
        foreach (var e in events.Where(e => WireIds.Version(e.Id) > 1))
        {
            if (upcasters.Any(u => u.Model.ToWireId == e.Id)) continue;
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.VersionWithoutUpcaster,
                SymbolHelpers.NamedArgumentLocation(e.Attribute, "Version"), e.Type.ToDisplayString(), WireIds.Version(e.Id), WireIds.Id(e.Id)));
        }
        // Two ways up from one version would make the dispatch's choice invisible: one upcaster per older version.
        foreach (var group in upcasters.GroupBy(u => u.Model.FromTypeName).Where(g => g.Count() > 1))
        {
            var first = group.First();
            foreach (var other in group.Skip(1))
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidUpcaster, other.Method.Locations.FirstOrDefault() ?? Location.None,
                    other.Method.ToDisplayString(), $"converts '{first.Method.Parameters[0].Type.ToDisplayString()}' as '{first.Method.ToDisplayString()}' does; keep one upcaster per older version"));
            }
        }
    }

    /// <summary>An older version is handled when an upcaster leads from it to a handled version (ZS4003).</summary>
    public static void AddUpcastSources(ConcurrentDictionary<ITypeSymbol, bool> handled, IReadOnlyList<(IMethodSymbol Method, UpcastModel Model)> upcasters)
    {
        bool added = true;
        while (added)
        {
            added = false;
            foreach (var (method, _) in upcasters)
            {
                var from = method.Parameters[0].Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated);
                var to = method.ReturnType.WithNullableAnnotation(NullableAnnotation.NotAnnotated);
                if (handled.ContainsKey(to) && handled.TryAdd(from, true)) added = true;
            }
        }
    }
}

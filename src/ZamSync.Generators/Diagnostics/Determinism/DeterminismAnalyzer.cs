using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using ZamSync.Generators.Parsing;

namespace ZamSync.Generators.Diagnostics.Determinism;

/// <summary>
/// Reports what makes a [ZamState]'s Apply methods nondeterministic (ZS6xxx), in Apply and in every source method it
/// reaches. Every node folds the same events into the same state only if Apply depends on nothing but the state, the
/// event and its <c>EventContext</c>.
/// </summary>
/// <remarks>
/// Each method body is described once, as it is analyzed (what it does, which source methods it calls); the walk
/// from each Apply through those descriptions happens at the end of the compilation, when every body has been seen.
/// So the diagnostics are compilation-end diagnostics: the command-line build reports them, an IDE shows them with
/// full-solution analysis.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DeterminismAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.ApplyReadsClock,
        DiagnosticDescriptors.ApplyUsesRandomness,
        DiagnosticDescriptors.ApplyUsesEnvironment,
        DiagnosticDescriptors.ApplyDependsOnCulture,
        DiagnosticDescriptors.ApplyIteratesUnordered,
        DiagnosticDescriptors.ApplyIsAsync,
        DiagnosticDescriptors.ApplyUsesMutableStatic,
        DiagnosticDescriptors.ApplyAccumulatesFloatingPoint);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (start.Compilation.GetTypeByMetadataName(SymbolHelpers.ZamStateAttribute) is null) return;

            var rules = new DeterminismRules(start.Compilation);
            var facts = new ConcurrentDictionary<IMethodSymbol, MethodFacts>(SymbolEqualityComparer.Default);
            var states = new ConcurrentBag<INamedTypeSymbol>();

            start.RegisterSymbolAction(symbolContext =>
            {
                var type = (INamedTypeSymbol)symbolContext.Symbol;
                if (SymbolHelpers.FindAttribute(type, SymbolHelpers.ZamStateAttribute) is not null) states.Add(type);
            }, SymbolKind.NamedType);

            start.RegisterOperationBlockStartAction(block =>
            {
                if (block.OwningSymbol is not IMethodSymbol method) return;
                var collector = new FactCollector(rules);
                if (DeterminismRules.AsyncMethod(method) is { } async) collector.Add(async);
                block.RegisterOperationAction(operation => collector.Visit(operation.Operation), DeterminismRules.Kinds);
                block.RegisterOperationBlockEndAction(_ =>
                {
                    if (collector.Build() is { } built) facts[CallGraph.Normalize(method)] = built;
                });
            });

            start.RegisterCompilationEndAction(end =>
            {
                var applies = states
                    .OrderBy(s => s.ToDisplayString(), System.StringComparer.Ordinal)
                    .SelectMany(s => s.GetMembers("Apply").OfType<IMethodSymbol>()
                        .Where(IsHandler)
                        .OrderBy(m => SymbolHelpers.DeclarationOrder(m).File, System.StringComparer.Ordinal)
                        .ThenBy(m => SymbolHelpers.DeclarationOrder(m).Position))
                    .ToList();
                CallGraph.Report(applies, facts, end.ReportDiagnostic, end.CancellationToken);
            });
        });
    }

    /// <summary>An Apply the generated dispatch calls (the rest are ZS4001/ZS4002 errors already).</summary>
    private static bool IsHandler(IMethodSymbol method) =>
        method is { MethodKind: MethodKind.Ordinary, IsStatic: false, Parameters.Length: 1 or 2 }
        && SymbolHelpers.IsEvent(method.Parameters[0].Type);
}

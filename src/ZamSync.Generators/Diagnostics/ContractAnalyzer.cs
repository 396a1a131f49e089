using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using ZamSync.Generators.Parsing;

namespace ZamSync.Generators.Diagnostics;

/// <summary>
/// Reports every contract rule a user fixes (ZS1xxx–ZS5xxx; ZS5xxx through <see cref="ManifestRules"/>). It runs the same parsers as the generator, so the
/// analyzer and the generator never disagree about what is valid.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ContractAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.TypeNotPartial,
        DiagnosticDescriptors.UnsupportedTypeShape,
        DiagnosticDescriptors.MemoryPackableOnContract,
        DiagnosticDescriptors.NoUsableConstructor,
        DiagnosticDescriptors.AttributeSpelling,
        DiagnosticDescriptors.InvalidEventId,
        DiagnosticDescriptors.DuplicateEventId,
        DiagnosticDescriptors.VersionWithoutUpcaster,
        DiagnosticDescriptors.InvalidUpcaster,
        DiagnosticDescriptors.UnserializableMember,
        DiagnosticDescriptors.MixedSlots,
        DiagnosticDescriptors.DuplicateSlot,
        DiagnosticDescriptors.SlotOutOfRange,
        DiagnosticDescriptors.ApplyWrongSignature,
        DiagnosticDescriptors.ApplyForNonEvent,
        DiagnosticDescriptors.EventNotHandled,
        DiagnosticDescriptors.MissingReset,
        DiagnosticDescriptors.DuplicateHandler,
        DiagnosticDescriptors.UnserializableSnapshotMember,
        DiagnosticDescriptors.UnrestorableSnapshotMember,
        DiagnosticDescriptors.ResetCannotBeGenerated,
        DiagnosticDescriptors.DataOutsideGeneratedReset,
        DiagnosticDescriptors.ManifestUnreadable,
        DiagnosticDescriptors.EventIdReused,
        DiagnosticDescriptors.RetiredEventIdReused,
        DiagnosticDescriptors.MemberRemoved,
        DiagnosticDescriptors.MemberTypeChanged,
        DiagnosticDescriptors.RetiredSlotReused,
        DiagnosticDescriptors.EventRemoved,
        DiagnosticDescriptors.EventNotRecorded,
        DiagnosticDescriptors.MemberNotRecorded);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (start.Compilation.GetTypeByMetadataName(SymbolHelpers.ZamEventAttribute) is null) return;

            var events = new ConcurrentBag<(INamedTypeSymbol Type, uint Id, AttributeData Attribute, Model.EventModel Model)>();
            var handled = new ConcurrentDictionary<ITypeSymbol, bool>(SymbolEqualityComparer.Default);
            int states = 0;

            start.RegisterSymbolAction(symbolContext =>
            {
                var type = (INamedTypeSymbol)symbolContext.Symbol;
                var diagnostics = new List<Diagnostic>();
                AttributeSpellingRule.Check(type, diagnostics);
                if (SymbolHelpers.FindAttribute(type, SymbolHelpers.ZamEventAttribute) is { } attribute)
                {
                    var model = EventParser.Parse(type, attribute, diagnostics, symbolContext.CancellationToken);
                    if (model.Id != 0) events.Add((type, model.Id, attribute, model));
                }
                if (SymbolHelpers.FindAttribute(type, SymbolHelpers.ZamStateAttribute) is not null)
                {
                    System.Threading.Interlocked.Increment(ref states);
                    StateParser.Parse(type, diagnostics, symbolContext.CancellationToken);
                    foreach (var t in StateParser.HandledTypes(type)) handled[t] = true;
                }
                foreach (var d in diagnostics) symbolContext.ReportDiagnostic(d);
            }, SymbolKind.NamedType);

            var upcasters = new ConcurrentBag<(IMethodSymbol Method, Model.UpcastModel Model)>();
            start.RegisterSymbolAction(symbolContext =>
            {
                var method = (IMethodSymbol)symbolContext.Symbol;
                if (SymbolHelpers.FindAttribute(method, SymbolHelpers.ZamUpcastAttribute) is null) return;
                var diagnostics = new List<Diagnostic>();
                if (UpcastParser.Parse(method, diagnostics) is { } model) upcasters.Add((method, model));
                foreach (var d in diagnostics) symbolContext.ReportDiagnostic(d);
            }, SymbolKind.Method);

            start.RegisterCompilationEndAction(end =>
            {
                var all = events.OrderBy(e => e.Id).ThenBy(e => e.Type.ToDisplayString(), System.StringComparer.Ordinal).ToList();
                foreach (var group in all.GroupBy(e => e.Id).Where(g => g.Count() > 1))
                {
                    var members = group.ToList();
                    foreach (var e in members)
                    {
                        var other = members.First(o => !SymbolEqualityComparer.Default.Equals(o.Type, e.Type));
                        end.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.DuplicateEventId, SymbolHelpers.ArgumentLocation(e.Attribute),
                            Model.WireIds.Display(e.Id), e.Type.ToDisplayString(), other.Type.ToDisplayString()));
                    }
                }
                ManifestRules.Check(end, all.Select(e => new ManifestRules.Declared(e.Type, e.Id, e.Attribute, e.Model)).ToList());
                var ups = upcasters.OrderBy(u => u.Model.FromTypeName, System.StringComparer.Ordinal).ThenBy(u => u.Model.Method, System.StringComparer.Ordinal).ToList();
                UpcastRules.Check(end, all.Select(e => (e.Type, e.Id, e.Attribute)).ToList(), ups);

                // Only a compilation that declares a state can say an event is unhandled: a contracts-only
                // assembly's events are handled elsewhere.
                if (System.Threading.Volatile.Read(ref states) == 0) return;
                UpcastRules.AddUpcastSources(handled, ups);
                foreach (var e in all.Where(e => !handled.ContainsKey(e.Type)))
                {
                    end.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.EventNotHandled, SymbolHelpers.IdentifierLocation(e.Type), e.Type.ToDisplayString(), Model.WireIds.Display(e.Id)));
                }
            });
        });
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using ZamSync.Generators.Emit;
using ZamSync.Generators.Manifest;
using ZamSync.Generators.Model;
using ZamSync.Generators.Parsing;

namespace ZamSync.Generators.Diagnostics;

/// <summary>
/// The evolution rules (ZS5xxx): the compilation's events against the committed contract manifest. They run only
/// when the project has a <c>zamsync.contract.txt</c> AdditionalFile. While the manifest is being updated
/// (<c>build_property.ZamSyncUpdateManifest=true</c>) the rules an update resolves (a removed member or event, an
/// unrecorded event or member) are silent, so that the update build succeeds; the rules it never resolves still fail it.
/// </summary>
internal static class ManifestRules
{
    public const string UpdateProperty = "build_property.ZamSyncUpdateManifest";

    public sealed record Declared(INamedTypeSymbol Type, uint Id, AttributeData Attribute, EventModel Model);

    public static void Check(CompilationAnalysisContext context, IReadOnlyList<Declared> declared)
    {
        var file = context.Options.AdditionalFiles.FirstOrDefault(f => ContractManifest.IsManifestPath(f.Path));
        if (file?.GetText(context.CancellationToken) is not { } text) return;
        bool updating = context.Options.AnalyzerConfigOptionsProvider.GlobalOptions.TryGetValue(UpdateProperty, out var value)
            && string.Equals(value?.Trim(), "true", StringComparison.OrdinalIgnoreCase);

        Location LineLocation(int line)
        {
            int index = Math.Max(0, Math.Min(line - 1, text.Lines.Count - 1));
            var span = text.Lines[index].Span;
            return Location.Create(file.Path, span, text.Lines.GetLinePositionSpan(span));
        }

        var manifest = ContractManifest.Parse(text.ToString());
        foreach (var error in manifest.Errors)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ManifestUnreadable, LineLocation(error.Line), $"line {error.Line}: {error.Message}"));
        }
        if (manifest.Errors.Count > 0) return;

        // Ids used twice are ZS2002's business; comparing either type with the manifest would only add noise.
        var unique = declared.GroupBy(d => d.Id).Where(g => g.Count() == 1).Select(g => g.First()).ToList();
        foreach (var d in unique)
        {
            string name = RegistryEmitter.SchemaName(d.Model);
            string display = d.Type.ToDisplayString();
            var recorded = manifest.Find(d.Id);
            if (recorded is null)
            {
                if (!updating) context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.EventNotRecorded, SymbolHelpers.IdentifierLocation(d.Type), display, WireIds.Display(d.Id)));
                continue;
            }
            if (recorded.Retired)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.RetiredEventIdReused, SymbolHelpers.ArgumentLocation(d.Attribute), WireIds.Display(d.Id), display,
                    recorded.TypeName.Length > 0 ? recorded.TypeName : "an unnamed type"));
                continue;
            }
            // Versions of one event may trade names (the old shape renamed to make room for the new one under the
            // familiar name): the wire knows them by id and version only, and the upcaster rules cover the change.
            bool versioned = declared.Count(o => WireIds.Id(o.Id) == WireIds.Id(d.Id)) > 1;
            if (!versioned && !string.Equals(recorded.TypeName, name, StringComparison.Ordinal))
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.EventIdReused, SymbolHelpers.ArgumentLocation(d.Attribute), WireIds.Display(d.Id), display, recorded.TypeName));
                continue;
            }
            // Slots of an invalid event are not trustworthy (the member rules report why).
            if (!d.Model.IsValid) continue;

            foreach (var slot in recorded.Slots.Where(s => !s.Retired))
            {
                if (d.Model.Members.Any(m => m.Slot == slot.Slot) || updating) continue;
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.MemberRemoved, SymbolHelpers.IdentifierLocation(d.Type), display, slot.Slot, slot.Name, slot.Type));
            }
            foreach (var member in d.Model.Members)
            {
                var symbol = d.Type.GetMembers(member.Name).FirstOrDefault(m => m is IPropertySymbol or IFieldSymbol);
                var slot = recorded.Slots.FirstOrDefault(s => s.Slot == member.Slot);
                if (slot is null)
                {
                    if (!updating)
                    {
                        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.MemberNotRecorded, NameLocation(symbol, d.Type), display, member.Name, member.Slot));
                    }
                }
                else if (slot.Retired)
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.RetiredSlotReused, SlotLocation(symbol, d.Type), display, member.Name, member.Slot));
                }
                else if (!string.Equals(slot.Type, member.SchemaTypeName, StringComparison.Ordinal))
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.MemberTypeChanged,
                        symbol is null ? SymbolHelpers.IdentifierLocation(d.Type) : SymbolHelpers.MemberTypeLocation(symbol),
                        display, member.Name, member.Slot, member.SchemaTypeName, slot.Type));
                }
            }
        }

        if (updating) return;
        foreach (var recorded in manifest.Events.Where(e => !e.Retired && declared.All(d => d.Id != e.Id)))
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.EventRemoved, LineLocation(recorded.Line), WireIds.Display(recorded.Id), recorded.TypeName));
        }
    }

    private static Location NameLocation(ISymbol? member, INamedTypeSymbol type) =>
        member?.Locations.FirstOrDefault(l => l.IsInSource) ?? SymbolHelpers.IdentifierLocation(type);

    /// <summary>The [ZamMember] slot argument when the member has one, else the member's name.</summary>
    private static Location SlotLocation(ISymbol? member, INamedTypeSymbol type) =>
        member is not null && SymbolHelpers.FindAttribute(member, SymbolHelpers.ZamMemberAttribute) is { } slot
            ? SymbolHelpers.ArgumentLocation(slot)
            : NameLocation(member, type);
}

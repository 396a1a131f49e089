using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using ZamSync.Generators.Diagnostics;
using ZamSync.Generators.Model;

namespace ZamSync.Generators.Parsing;

/// <summary>
/// Turns a [ZamEvent] type into an <see cref="EventModel"/>. The generator and the analyzer share it: the
/// generator passes no diagnostic list and emits nothing for an invalid model; the analyzer reports the list.
/// </summary>
internal static class EventParser
{
    internal sealed class Candidate(ISymbol symbol, ITypeSymbol type, AttributeData? slot, bool settable, bool mutable)
    {
        public ISymbol Symbol { get; } = symbol;
        public ITypeSymbol Type { get; } = type;
        public AttributeData? SlotAttribute { get; } = slot;
        public bool Settable { get; } = settable;
        /// <summary>Settable after construction: a non-init setter or a non-readonly field.</summary>
        public bool Mutable { get; } = mutable;
        public int Slot { get; set; }
        public MemberKind Kind { get; set; }
    }

    public static EventModel Parse(INamedTypeSymbol type, AttributeData attribute, List<Diagnostic>? diagnostics, CancellationToken cancellationToken)
    {
        bool valid = true;
        void Report(DiagnosticDescriptor descriptor, Location location, params object[] args)
        {
            valid = false;
            // The type's name leads every message; only diagnostics need it, so only they build it.
            diagnostics?.Add(Diagnostic.Create(descriptor, location, [type.ToDisplayString(), .. args]));
        }

        var identity = SymbolHelpers.Identity(type);

        // ---- shape ----
        if (!SymbolHelpers.IsPartial(type)) Report(DiagnosticDescriptors.TypeNotPartial, SymbolHelpers.IdentifierLocation(type), "event");
        foreach (var reason in ShapeProblems(type))
        {
            Report(DiagnosticDescriptors.UnsupportedTypeShape, SymbolHelpers.IdentifierLocation(type), reason);
        }
        if (SymbolHelpers.FindAttribute(type, "MemoryPack.MemoryPackableAttribute") is { } memoryPackable)
        {
            Report(DiagnosticDescriptors.MemoryPackableOnContract, SymbolHelpers.AttributeLocation(memoryPackable));
        }

        // ---- identity ----
        uint id = attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is uint v ? v : 0;
        int version = SymbolHelpers.EventVersion(attribute);
        if (id == 0) Report(DiagnosticDescriptors.InvalidEventId, SymbolHelpers.ArgumentLocation(attribute), "has event id 0, which is reserved; use a non-zero id");
        else if (id > WireIds.MaxId) Report(DiagnosticDescriptors.InvalidEventId, SymbolHelpers.ArgumentLocation(attribute), $"has event id {id}, above the largest, {WireIds.MaxId} (the top byte of a wire id holds the version)");
        if (version is < 1 or > WireIds.MaxVersion) Report(DiagnosticDescriptors.InvalidEventId, SymbolHelpers.NamedArgumentLocation(attribute, "Version"), $"has version {version}; versions go from 1 to {WireIds.MaxVersion}");

        cancellationToken.ThrowIfCancellationRequested();

        // ---- members and slots ----
        var (candidates, members, slotCount) = ParseMembers(type, Report, DiagnosticDescriptors.UnserializableMember);

        // ---- construction ----
        var construction = ChooseConstruction(type, candidates, out var constructionProblem);
        if (construction is null)
        {
            Report(DiagnosticDescriptors.NoUsableConstructor, SymbolHelpers.IdentifierLocation(type), constructionProblem);
            construction = new ConstructionModel(EquatableArray<string>.Empty, EquatableArray<string>.Empty, false);
        }

        // The model's id is the wire id: everything downstream (dispatch, registry, duplicates, manifest) keys on it.
        // An id or version out of range has no wire id: 0 keeps the event out of the compilation-wide rules.
        uint wire = id is > 0 and <= WireIds.MaxId && version is >= 1 and <= WireIds.MaxVersion ? WireIds.Of(id, version) : 0;
        return new EventModel(identity, wire, members, slotCount, construction, valid);
    }

    /// <summary>
    /// The serialized members of a type (an event's, or a snapshot state's) with their slots and kinds: public
    /// instance fields and properties that hold data, implicit or [ZamMember] slots (ZS3002–ZS3004), and each
    /// type classified (<paramref name="unserializable"/> when it cannot be written). <paramref name="report"/> gets
    /// each diagnostic's arguments after the type's name, which the caller's report puts first (only when it builds
    /// a diagnostic).
    /// </summary>
    internal static (List<Candidate> Candidates, EquatableArray<MemberModel> Members, int SlotCount) ParseMembers(
        INamedTypeSymbol type, Action<DiagnosticDescriptor, Location, object[]> report, DiagnosticDescriptor unserializable,
        SnapshotDataTypes? data = null)
    {
        var candidates = Candidates(type);
        bool anyPinned = candidates.Any(c => c.SlotAttribute is not null);
        var taken = new Dictionary<int, Candidate>();
        for (int i = 0; i < candidates.Count; i++)
        {
            var c = candidates[i];
            if (anyPinned)
            {
                if (c.SlotAttribute is null)
                {
                    report(DiagnosticDescriptors.MixedSlots, c.Symbol.Locations.FirstOrDefault() ?? Location.None, [c.Symbol.Name]);
                    continue;
                }
                c.Slot = c.SlotAttribute.ConstructorArguments.Length == 1 && c.SlotAttribute.ConstructorArguments[0].Value is int slot ? slot : -1;
                if (c.Slot < 0 || c.Slot > 248)
                {
                    report(DiagnosticDescriptors.SlotOutOfRange, SymbolHelpers.ArgumentLocation(c.SlotAttribute), [c.Symbol.Name, c.Slot]);
                    continue;
                }
                if (taken.TryGetValue(c.Slot, out var other))
                {
                    report(DiagnosticDescriptors.DuplicateSlot, SymbolHelpers.ArgumentLocation(c.SlotAttribute), [c.Symbol.Name, c.Slot, other.Symbol.Name]);
                    continue;
                }
                taken[c.Slot] = c;
            }
            else
            {
                c.Slot = i;
            }
            if (i > 248 && !anyPinned)
            {
                report(DiagnosticDescriptors.SlotOutOfRange, c.Symbol.Locations.FirstOrDefault() ?? Location.None, [c.Symbol.Name, i]);
            }

            if (MemberTypes.Classify(c.Type, out var whyNot, data) is { } kind)
            {
                c.Kind = kind;
            }
            else
            {
                report(unserializable, SymbolHelpers.MemberTypeLocation(c.Symbol), [c.Symbol.Name, c.Type.ToDisplayString(), whyNot]);
            }
        }

        var members = candidates
            .OrderBy(c => c.Slot)
            .Select(c => Member(c.Symbol.Name, c.Type, c.Kind, c.Slot, c.Settable))
            .ToEquatableArray();
        return (candidates, members, SlotCount(members));
    }

    /// <summary>One member's model (shared with <see cref="EventSyntaxParser"/>, so both spell types alike).</summary>
    internal static MemberModel Member(string name, ITypeSymbol type, MemberKind kind, int slot, bool settable) => new(
        name,
        TypeNames.Qualified(type),
        TypeNames.Schema(type),
        type is IArrayTypeSymbol array ? TypeNames.Qualified(array.ElementType) : "",
        kind,
        slot,
        settable,
        ProjectionTypes.Column(type, out string cast),
        cast);

    internal static int SlotCount(EquatableArray<MemberModel> members) => members.Count == 0 ? 0 : members.Max(m => m.Slot) + 1;

    /// <summary>Reasons a type cannot carry generated code (shared with [ZamState], which needs less).</summary>
    internal static IEnumerable<string> ShapeProblems(INamedTypeSymbol type, bool forState = false)
    {
        if (type.IsGenericType) yield return "generic types are not supported";
        if (type.IsAbstract && !forState) yield return "it is abstract, so the formatter cannot create it";
        if (type.IsStatic) yield return "it is static";
        if (type.IsRefLikeType) yield return "ref structs cannot be stored";
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (!SymbolHelpers.IsPartial(outer)) yield return $"its containing type '{outer.ToDisplayString()}' is not partial";
            if (outer.IsGenericType) yield return $"its containing type '{outer.ToDisplayString()}' is generic";
        }
        if (!forState)
        {
            for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
            {
                if (t.DeclaredAccessibility is Accessibility.Private or Accessibility.Protected or Accessibility.ProtectedAndInternal)
                {
                    yield return "it must be visible to the whole assembly (public or internal), where its formatter is registered";
                    break;
                }
            }
        }
    }

    /// <summary>The public data members of a type (what an event or a snapshot would write), in declaration order.</summary>
    internal static List<Candidate> Candidates(INamedTypeSymbol type)
    {
        var members = type.GetMembers();
        var primaryParameters = PrimaryConstructorParameters(type);
        var list = new List<Candidate>();
        foreach (var member in members)
        {
            if (member.IsStatic || member.DeclaredAccessibility != Accessibility.Public || member.IsImplicitlyDeclared) continue;
            switch (member)
            {
                case IPropertySymbol p when !p.IsIndexer && p.GetMethod is not null && p.Name != "EqualityContract":
                {
                    primaryParameters.TryGetValue(p.Name, out var parameter);
                    bool auto = members.OfType<IFieldSymbol>().Any(f => SymbolEqualityComparer.Default.Equals(f.AssociatedSymbol, p));
                    if (p.SetMethod is null && !auto && parameter is null) continue; // computed: not data
                    var slot = SymbolHelpers.FindAttribute(p, SymbolHelpers.ZamMemberAttribute)
                        ?? (parameter is null ? null : SymbolHelpers.FindAttribute(parameter, SymbolHelpers.ZamMemberAttribute));
                    list.Add(new Candidate(p, p.Type, slot, p.SetMethod is not null, p.SetMethod is { IsInitOnly: false }));
                    break;
                }
                case IFieldSymbol f when !f.IsConst:
                    list.Add(new Candidate(f, f.Type, SymbolHelpers.FindAttribute(f, SymbolHelpers.ZamMemberAttribute), !f.IsReadOnly, !f.IsReadOnly));
                    break;
            }
        }
        return list.OrderBy(c => SymbolHelpers.DeclarationOrder(c.Symbol).File, StringComparer.Ordinal)
            .ThenBy(c => SymbolHelpers.DeclarationOrder(c.Symbol).Position)
            .ToList();
    }

    /// <summary>A positional record's parameters by name (their attributes may pin slots).</summary>
    private static Dictionary<string, IParameterSymbol> PrimaryConstructorParameters(INamedTypeSymbol type)
    {
        var result = new Dictionary<string, IParameterSymbol>(StringComparer.Ordinal);
        if (!type.IsRecord) return result;
        foreach (var ctor in type.InstanceConstructors)
        {
            bool primary = ctor.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is Microsoft.CodeAnalysis.CSharp.Syntax.RecordDeclarationSyntax);
            if (!primary) continue;
            foreach (var parameter in ctor.Parameters) result[parameter.Name] = parameter;
        }
        return result;
    }

    internal static ConstructionModel? ChooseConstruction(INamedTypeSymbol type, List<Candidate> candidates, out string problem)
    {
        problem = "";
        IMethodSymbol? best = null;
        foreach (var ctor in type.InstanceConstructors)
        {
            // A record's copy constructor is not a way to build from slots.
            if (ctor.Parameters.Length == 1 && SymbolEqualityComparer.Default.Equals(ctor.Parameters[0].Type, type)) continue;
            bool allMatch = ctor.Parameters.All(p => p.RefKind == RefKind.None && candidates.Any(c =>
                string.Equals(c.Symbol.Name, p.Name, StringComparison.OrdinalIgnoreCase) && SymbolEqualityComparer.Default.Equals(c.Type, p.Type)));
            if (!allMatch) continue;
            if (best is null || ctor.Parameters.Length > best.Parameters.Length) best = ctor;
        }
        if (best is null)
        {
            problem = "it needs a parameterless constructor or one whose parameters all match serialized members by name and type";
            return null;
        }

        var arguments = best.Parameters
            .Select(p => candidates.First(c => string.Equals(c.Symbol.Name, p.Name, StringComparison.OrdinalIgnoreCase)).Symbol.Name)
            .ToList();
        var initialized = new List<string>();
        foreach (var c in candidates.OrderBy(c => c.Slot))
        {
            if (arguments.Contains(c.Symbol.Name)) continue;
            if (!c.Settable)
            {
                problem = $"member '{c.Symbol.Name}' is neither settable nor a constructor parameter, so it could not be read back";
                return null;
            }
            initialized.Add(c.Symbol.Name);
        }
        bool canOverwrite = !type.IsValueType && arguments.Count == 0 && candidates.All(c => c.Mutable);
        return new ConstructionModel(arguments.ToEquatableArray(), initialized.ToEquatableArray(), canOverwrite);
    }
}

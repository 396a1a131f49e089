using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ZamSync.Generators.Diagnostics;
using ZamSync.Generators.Model;

namespace ZamSync.Generators.Parsing;

/// <summary>Turns a [ZamState] type into a <see cref="StateModel"/>; shared by the generator and the analyzer.</summary>
internal static class StateParser
{
    public static StateModel Parse(INamedTypeSymbol type, List<Diagnostic>? diagnostics, CancellationToken cancellationToken)
    {
        bool valid = true;
        void Report(DiagnosticDescriptor descriptor, Location location, params object[] args)
        {
            valid = false;
            // The type's name leads every message; only diagnostics need it, so only they build it.
            diagnostics?.Add(Diagnostic.Create(descriptor, location, [type.ToDisplayString(), .. args]));
        }

        if (!SymbolHelpers.IsPartial(type)) Report(DiagnosticDescriptors.TypeNotPartial, SymbolHelpers.IdentifierLocation(type), "state");
        if (type.TypeKind != TypeKind.Class || type.IsRecord)
        {
            Report(DiagnosticDescriptors.UnsupportedTypeShape, SymbolHelpers.IdentifierLocation(type), "a state must be a class");
        }
        foreach (var reason in EventParser.ShapeProblems(type, forState: true))
        {
            Report(DiagnosticDescriptors.UnsupportedTypeShape, SymbolHelpers.IdentifierLocation(type), reason);
        }

        // A Reset this generator wrote (GenerateReset) is in the compilation the analyzer sees; it is not the user's.
        bool hasReset = type.GetMembers("Reset").OfType<IMethodSymbol>().Any(m =>
            m is { IsStatic: false, ReturnsVoid: true, Parameters.Length: 0, TypeParameters.Length: 0, DeclaredAccessibility: Accessibility.Public, MethodKind: MethodKind.Ordinary }
            && !SymbolHelpers.IsGeneratedByUs(m));
        ResetModel? reset = null;
        if (NamedFlag(type, "GenerateReset"))
        {
            if (hasReset) Report(DiagnosticDescriptors.ResetCannotBeGenerated, SymbolHelpers.IdentifierLocation(type), "it also declares 'public void Reset()'; remove it or GenerateReset");
            else reset = GeneratedReset.Parse(type, Report, diagnostics);
        }
        else if (!hasReset)
        {
            Report(DiagnosticDescriptors.MissingReset, SymbolHelpers.IdentifierLocation(type));
        }

        cancellationToken.ThrowIfCancellationRequested();

        var handlers = new List<HandlerModel>();
        var seen = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
        foreach (var method in type.GetMembers("Apply").OfType<IMethodSymbol>().Where(m => m.MethodKind == MethodKind.Ordinary))
        {
            if (WrongSignature(method) is { } why)
            {
                Report(DiagnosticDescriptors.ApplyWrongSignature, MethodLocation(method), "Apply", why);
                continue;
            }
            var eventType = method.Parameters[0].Type;
            if (SymbolHelpers.EventId(eventType) is not { } id)
            {
                Report(DiagnosticDescriptors.ApplyForNonEvent, ParameterTypeLocation(method.Parameters[0]), eventType.ToDisplayString());
                continue;
            }
            if (!seen.Add(eventType))
            {
                Report(DiagnosticDescriptors.DuplicateHandler, MethodLocation(method), eventType.ToDisplayString());
                continue;
            }
            handlers.Add(new HandlerModel(id, TypeNames.Qualified(eventType), eventType.IsValueType, method.Parameters.Length == 2));
        }

        var sorted = handlers.OrderBy(h => h.EventId).ThenBy(h => h.EventTypeName, System.StringComparer.Ordinal).ToEquatableArray();

        SnapshotModel? snapshot = null;
        if (WantsSnapshots(type))
        {
            cancellationToken.ThrowIfCancellationRequested();
            snapshot = ParseSnapshot(type, Report);
        }
        return new StateModel(SymbolHelpers.Identity(type), sorted, snapshot, valid, reset);
    }

    /// <summary><c>[ZamState(Snapshots = true)]</c>.</summary>
    private static bool WantsSnapshots(INamedTypeSymbol type) => NamedFlag(type, "Snapshots");

    private static bool NamedFlag(INamedTypeSymbol type, string name) =>
        SymbolHelpers.FindAttribute(type, SymbolHelpers.ZamStateAttribute) is { } attribute
        && attribute.NamedArguments.Any(a => a.Key == name && a.Value.Value is true);

    /// <summary>
    /// The snapshot members are the members an event would serialize (public data fields and properties, slots
    /// implicit or pinned by [ZamMember]); each must be serializable (ZS4006) and restorable (ZS4007): assignable
    /// from the state's own code, or a read-only collection that can be cleared and filled.
    /// </summary>
    private static SnapshotModel ParseSnapshot(INamedTypeSymbol type, System.Action<DiagnosticDescriptor, Location, object[]> report)
    {
        var data = new SnapshotDataTypes(type.ContainingAssembly);
        var (candidates, members, slotCount) = EventParser.ParseMembers(type, report, DiagnosticDescriptors.UnserializableSnapshotMember, data);
        var result = new List<SnapshotMemberModel>();
        foreach (var member in members)
        {
            var candidate = candidates.First(c => c.Symbol.Name == member.Name);
            var symbol = candidate.Symbol;
            // Assignable from the state's own code: a non-init setter (any accessibility) or a non-readonly field.
            bool assignable = candidate.Mutable;
            string? element = null;
            if (!assignable)
            {
                var memberType = candidate.Type;
                element = FillableElementType(memberType);
                if (element is null)
                {
                    report(DiagnosticDescriptors.UnrestorableSnapshotMember, SymbolHelpers.MemberTypeLocation(symbol), [member.Name, memberType.ToDisplayString()]);
                    continue;
                }
            }
            result.Add(new SnapshotMemberModel(member with { IsSettable = assignable }, element));
        }
        return new SnapshotModel(result.ToEquatableArray(), slotCount, data.ToModels());
    }

    /// <summary>
    /// The T of the one <c>ICollection&lt;T&gt;</c> a read-only member's type is or implements, so ReadSnapshot can
    /// call Clear and Add on the existing instance (which keeps its comparer); null for arrays (fixed size),
    /// read-only and immutable collections (Add throws), structs, and anything else.
    /// </summary>
    internal static string? FillableElementType(ITypeSymbol type)
    {
        if (type is not INamedTypeSymbol named || named.IsValueType) return null;
        if (SymbolHelpers.InNamespace(named, "System.Collections.Immutable")
            || (named.Name.StartsWith("ReadOnly", System.StringComparison.Ordinal) && SymbolHelpers.InNamespace(named, "System.Collections.ObjectModel")))
            return null;
        var collections = (named.TypeKind == TypeKind.Interface ? named.AllInterfaces.Add(named) : named.AllInterfaces)
            .Where(i => SymbolHelpers.Is(i, "System.Collections.Generic.ICollection"))
            .ToList();
        return collections.Count == 1 ? TypeNames.Qualified(collections[0].TypeArguments[0]) : null;
    }

    /// <summary>The event types a state's Apply methods take (for the analyzer's "no state handles it").</summary>
    public static IEnumerable<ITypeSymbol> HandledTypes(INamedTypeSymbol type) =>
        type.GetMembers("Apply").OfType<IMethodSymbol>()
            .Where(m => m.MethodKind == MethodKind.Ordinary && m.Parameters.Length > 0)
            .Select(m => m.Parameters[0].Type);

    private static string? WrongSignature(IMethodSymbol method)
    {
        if (method.IsStatic) return "it is static";
        if (!method.ReturnsVoid) return "it must return void";
        if (method.TypeParameters.Length > 0) return "it must not be generic";
        if (method.Parameters.Length is < 1 or > 2) return "it must take the event and optionally an EventContext";
        var first = method.Parameters[0];
        if (first.RefKind != RefKind.None) return "the event must be passed by value";
        if (first.Type is not INamedTypeSymbol) return "the first parameter must be an event type";
        if (method.Parameters.Length == 2)
        {
            var second = method.Parameters[1];
            if (!SymbolHelpers.Is(second.Type, SymbolHelpers.EventContext) || second.RefKind is not (RefKind.None or RefKind.In))
                return "the second parameter must be an EventContext";
        }
        return null;
    }

    private static Location MethodLocation(IMethodSymbol method) =>
        method.DeclaringSyntaxReferences.Select(r => r.GetSyntax()).OfType<MethodDeclarationSyntax>().FirstOrDefault()?.Identifier.GetLocation()
        ?? method.Locations.FirstOrDefault() ?? Location.None;

    private static Location ParameterTypeLocation(IParameterSymbol parameter) =>
        parameter.DeclaringSyntaxReferences.Select(r => r.GetSyntax()).OfType<ParameterSyntax>().FirstOrDefault()?.Type?.GetLocation()
        ?? parameter.Locations.FirstOrDefault() ?? Location.None;
}

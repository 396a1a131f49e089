using System;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ZamSync.Generators.Diagnostics;
using ZamSync.Generators.Emit;
using ZamSync.Generators.Manifest;
using ZamSync.Generators.Model;
using ZamSync.Generators.Parsing;

namespace ZamSync.Generators;

/// <summary>
/// The contract generator: for every valid [ZamEvent] type an <c>IZamEvent&lt;T&gt;</c> implementation and a
/// version-tolerant MemoryPack formatter; for every valid [ZamState] the <c>IStateStore</c> dispatch; per
/// assembly a registry with the schema, its fingerprint and the formatter registrations. Invalid types get no
/// code: <see cref="ContractAnalyzer"/> reports why. The generator itself reports only its own failures (ZS9001).
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ContractGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names of the pipeline steps, for incrementality tests.</summary>
    public static class TrackingNames
    {
        public const string Events = "ZamSync.Events";
        public const string ValidEvents = "ZamSync.ValidEvents";
        public const string Registry = "ZamSync.Registry";
        public const string States = "ZamSync.States";
        public const string ValidStates = "ZamSync.ValidStates";
        public const string Manifest = "ZamSync.Manifest";
        public const string Upcasts = "ZamSync.Upcasts";
    }

    /// <summary>The MSBuild property (made visible to the compiler) that turns the registry off when "false".</summary>
    public const string EmitRegistryProperty = "build_property.ZamSyncEmitRegistry";

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // Contract types are found by how their attribute is written, not with ForAttributeWithMetadataName: that
        // binds every attributed type again on each edit, before any transform runs (docs/contracts.md, "Generator
        // cost"). The transforms below bind only what they must; the analyzer's ZS1005 makes the written name exact.
        var events = context.SyntaxProvider.CreateSyntaxProvider(
                static (node, _) => EventSyntaxParser.IsCandidate(node),
                static (ctx, ct) => ParseEvent((TypeDeclarationSyntax)ctx.Node, ctx.SemanticModel, ct))
            .WithTrackingName(TrackingNames.Events);

        var validEvents = events
            .Where(static r => r is { Model.IsValid: true })
            .Select(static (r, _) => r!.Model!)
            .WithTrackingName(TrackingNames.ValidEvents);

        context.RegisterSourceOutput(events.Where(static r => r?.Failure is not null), static (spc, r) => ReportFailure(spc, r!));
        context.RegisterSourceOutput(validEvents, static (spc, model) =>
            Emit(spc, model.Type.FullyQualifiedName, () => spc.AddSource(EventEmitter.HintName(model), EventEmitter.Emit(model))));

        var manifest = context.AdditionalTextsProvider
            .Where(static t => ContractManifest.IsManifestPath(t.Path))
            .Select(static (t, ct) => t.GetText(ct)?.ToString() ?? "")
            .Collect()
            .Select(static (texts, _) => texts.IsDefaultOrEmpty ? null : texts[0])
            .WithTrackingName(TrackingNames.Manifest);

        // ZamSyncEmitRegistry=false (an assembly whose [ZamEvent] types are private to it, like the runtime's own
        // wire messages): no registry, no [assembly: ZamContract], no module initializer; it registers its formatters.
        var emitRegistry = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => !(options.GlobalOptions.TryGetValue(EmitRegistryProperty, out var value)
                && string.Equals(value?.Trim(), "false", StringComparison.OrdinalIgnoreCase)));

        var registry = validEvents
            .Select(static (m, _) => RegistryEmitter.Entry(m))
            .Collect()
            .Combine(manifest)
            .Select(static (input, _) => new RegistryModel(input.Left
                .OrderBy(e => e.Id)
                .ThenBy(e => e.TypeName, StringComparer.Ordinal)
                .ToEquatableArray(), input.Right))
            .WithTrackingName(TrackingNames.Registry);
        context.RegisterSourceOutput(registry.Combine(emitRegistry), static (spc, input) =>
        {
            var model = input.Left;
            if (!input.Right || !RegistryEmitter.CanEmit(model)) return;
            Emit(spc, "the contract registry", () => spc.AddSource(RegistryEmitter.HintName, RegistryEmitter.Emit(model)));
            Emit(spc, "the contract's projections", () => spc.AddSource(ProjectionEmitter.HintName, ProjectionEmitter.Emit(model)));
        });

        var states = context.SyntaxProvider.CreateSyntaxProvider(
                static (node, _) => StateSyntaxParser.IsCandidate(node),
                static (ctx, ct) => ParseState((ClassDeclarationSyntax)ctx.Node, ctx.SemanticModel, ct))
            .WithTrackingName(TrackingNames.States);
        context.RegisterSourceOutput(states.Where(static r => r?.Failure is not null), static (spc, r) => ReportFailure(spc, r!));

        // The ids of this compilation's events, for the states' handlers: unchanged by edits that keep every
        // event's name and id, so the states downstream stay cached.
        var eventIds = events
            .Select(static (r, _) => r?.Model is { } m ? new EventIdEntry(m.Type.FullyQualifiedName, m.Id) : null)
            .Where(static e => e is not null)
            .Collect()
            .Select(static (entries, _) => entries.OrderBy(e => e!.TypeName, StringComparer.Ordinal).ThenBy(e => e!.Id).Select(e => e!).ToEquatableArray());
        // Upcasters, found by how their attribute is written, like contract types; an edit that keeps every
        // upcaster's types and method name leaves the array equal, so states downstream stay cached.
        var upcasts = context.SyntaxProvider.CreateSyntaxProvider(
                static (node, _) => UpcastParser.IsCandidate(node),
                static (ctx, ct) => ctx.SemanticModel.GetDeclaredSymbol((MethodDeclarationSyntax)ctx.Node, ct) is IMethodSymbol method
                    && SymbolHelpers.FindAttribute(method, SymbolHelpers.ZamUpcastAttribute) is not null
                    ? UpcastParser.Parse(method, null) : null)
            .Where(static u => u is not null)
            .Collect()
            .Select(static (all, _) => all.OrderBy(u => u!.FromTypeName, StringComparer.Ordinal).ThenBy(u => u!.Method, StringComparer.Ordinal).Select(u => u!).ToEquatableArray())
            .WithTrackingName(TrackingNames.Upcasts);
        var validStates = states
            .Where(static r => r?.Model is not null)
            .Combine(eventIds)
            .Combine(upcasts)
            .Select(static (input, _) => StateResolution.Resolve(input.Left.Left!.Model!, input.Left.Right, input.Right))
            .Where(static m => StateEmitter.CanEmit(m))
            .WithTrackingName(TrackingNames.ValidStates);
        context.RegisterSourceOutput(validStates, static (spc, model) =>
            Emit(spc, model.Type.FullyQualifiedName, () => spc.AddSource(StateEmitter.HintName(model), StateEmitter.Emit(model))));
    }

    /// <summary>
    /// A parse result: the model, or the unexpected failure (a message, never the exception object) and the name
    /// of the type that caused it (empty on success: building a display string for every type on every run costs).
    /// </summary>
    public sealed record ParseResult<T>(T? Model, string TypeName, string? Failure) where T : class;

    private static ParseResult<EventModel>? ParseEvent(TypeDeclarationSyntax declaration, SemanticModel model, CancellationToken cancellationToken)
    {
        if (AttributeNames.Find(declaration.AttributeLists, AttributeNames.ZamEvent, out _) is not { } attribute) return null;
        if (!Declares(model.Compilation, SymbolHelpers.ZamEventAttribute)) return null;
        if (model.GetDeclaredSymbol(declaration, cancellationToken) is not INamedTypeSymbol type) return null;
        return Guard(type, () => EventSyntaxParser.TryParse(declaration, type, attribute, model, cancellationToken)
            ?? (SymbolHelpers.FindAttribute(type, SymbolHelpers.ZamEventAttribute) is { } data ? EventParser.Parse(type, data, null, cancellationToken) : null));
    }

    private static ParseResult<StateDraft>? ParseState(ClassDeclarationSyntax declaration, SemanticModel model, CancellationToken cancellationToken)
    {
        if (AttributeNames.Find(declaration.AttributeLists, AttributeNames.ZamState, out _) is not { } attribute) return null;
        if (!Declares(model.Compilation, SymbolHelpers.ZamStateAttribute)) return null;
        if (model.GetDeclaredSymbol(declaration, cancellationToken) is not INamedTypeSymbol type) return null;
        return Guard(type, () => StateSyntaxParser.TryParse(declaration, type, attribute, model, cancellationToken)
            ?? (SymbolHelpers.FindAttribute(type, SymbolHelpers.ZamStateAttribute) is not null ? StateResolution.ToDraft(StateParser.Parse(type, null, cancellationToken)) : null));
    }

    /// <summary>
    /// Whether ZamSync's attribute exists in the compilation (its own source or a reference). The cached lookup
    /// answers null when two references define the type; the uncached one settles that rare case.
    /// </summary>
    private static bool Declares(Compilation compilation, string metadataName) =>
        compilation.GetTypeByMetadataName(metadataName) is not null || !compilation.GetTypesByMetadataName(metadataName).IsEmpty;

    private static ParseResult<T> Guard<T>(INamedTypeSymbol type, Func<T?> parse) where T : class
    {
        try
        {
            return new ParseResult<T>(parse(), "", null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new ParseResult<T>(null, type.ToDisplayString(), e.GetType().Name + ": " + e.Message);
        }
    }

    private static void ReportFailure<T>(SourceProductionContext spc, ParseResult<T> result) where T : class =>
        spc.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.GeneratorFailure, Location.None, result.TypeName, result.Failure));

    private static void Emit(SourceProductionContext spc, string what, Action emit)
    {
        try
        {
            emit();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            spc.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.GeneratorFailure, Location.None, what, e.GetType().Name + ": " + e.Message));
        }
    }
}

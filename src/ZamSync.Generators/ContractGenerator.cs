using System;
using System.Linq;
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
    }

    /// <summary>The MSBuild property (made visible to the compiler) that turns the registry off when "false".</summary>
    public const string EmitRegistryProperty = "build_property.ZamSyncEmitRegistry";

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var events = context.SyntaxProvider.ForAttributeWithMetadataName(
                SymbolHelpers.ZamEventAttribute,
                static (node, _) => node is TypeDeclarationSyntax,
                static (ctx, ct) => ctx.TargetSymbol is INamedTypeSymbol type ? Guard(type, () => EventParser.Parse(type, ctx.Attributes[0], null, ct)) : null)
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
            if (input.Right && RegistryEmitter.CanEmit(model)) Emit(spc, "the contract registry", () => spc.AddSource(RegistryEmitter.HintName, RegistryEmitter.Emit(model)));
        });

        var states = context.SyntaxProvider.ForAttributeWithMetadataName(
                SymbolHelpers.ZamStateAttribute,
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, ct) => ctx.TargetSymbol is INamedTypeSymbol type ? Guard(type, () => StateParser.Parse(type, null, ct)) : null)
            .WithTrackingName(TrackingNames.States);
        context.RegisterSourceOutput(states.Where(static r => r?.Failure is not null), static (spc, r) => ReportFailure(spc, r!));
        var validStates = states
            .Where(static r => r?.Model is { } m && StateEmitter.CanEmit(m))
            .Select(static (r, _) => r!.Model!)
            .WithTrackingName(TrackingNames.ValidStates);
        context.RegisterSourceOutput(validStates, static (spc, model) =>
            Emit(spc, model.Type.FullyQualifiedName, () => spc.AddSource(StateEmitter.HintName(model), StateEmitter.Emit(model))));
    }

    /// <summary>A parse result: the model, or the unexpected failure (a message, never the exception object).</summary>
    public sealed record ParseResult<T>(T? Model, string TypeName, string? Failure) where T : class;

    private static ParseResult<T> Guard<T>(INamedTypeSymbol type, Func<T> parse) where T : class
    {
        try
        {
            return new ParseResult<T>(parse(), type.ToDisplayString(), null);
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

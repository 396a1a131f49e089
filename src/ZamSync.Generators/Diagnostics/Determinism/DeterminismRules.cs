using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ZamSync.Generators.Diagnostics.Determinism;

/// <summary>
/// Decides, for one operation, which ZS6xxx rules it breaks, and records the source methods it leads into. Built
/// once per compilation (the symbols it compares with are resolved then) and shared by every method body.
/// </summary>
internal sealed class DeterminismRules(Compilation compilation)
{
    private readonly NondeterministicApis _apis = new(compilation);

    /// <summary>The operation kinds <see cref="Check"/> looks at.</summary>
    public static ImmutableArray<OperationKind> Kinds { get; } = ImmutableArray.Create(
        OperationKind.Invocation, OperationKind.PropertyReference, OperationKind.FieldReference, OperationKind.EventReference,
        OperationKind.ObjectCreation, OperationKind.MethodReference);

    private static readonly SymbolDisplayFormat ApiFormat = SymbolDisplayFormat.CSharpShortErrorMessageFormat;

    public IEnumerable<Finding> Check(IOperation operation, FactCollector collector)
    {
        switch (operation)
        {
            case IInvocationOperation invocation:
                collector.AddCallee(invocation.TargetMethod);
                return Member(invocation.TargetMethod, invocation.Instance, operation);
            case IPropertyReferenceOperation property:
                collector.AddCallee(property.Property.GetMethod);
                collector.AddCallee(property.Property.SetMethod);
                return Member(property.Property, property.Instance, operation);
            case IFieldReferenceOperation field:
                return Member(field.Field, field.Instance, operation);
            case IEventReferenceOperation @event:
                return Member(@event.Event, @event.Instance, operation);
            case IObjectCreationOperation creation when creation.Constructor is { } constructor:
                collector.AddCallee(constructor);
                return Member(constructor, null, operation);
            case IMethodReferenceOperation reference:
                collector.AddCallee(reference.Method);
                return Member(reference.Method, reference.Instance, operation);
        }
        return [];
    }

    private IEnumerable<Finding> Member(ISymbol member, IOperation? instance, IOperation operation)
    {
        if (_apis.Classify(member) is not { } rule) yield break;
        // 'new Random().Next()' and 'Stopwatch.StartNew().Elapsed' are one use, reported where it starts.
        if (instance is not null && ClassifyOperation(Unwrap(instance)) == rule) yield break;
        yield return new Finding(rule, operation.Syntax.GetLocation(), member.ToDisplayString(ApiFormat));
    }

    private DiagnosticDescriptor? ClassifyOperation(IOperation operation) => operation switch
    {
        IInvocationOperation i => _apis.Classify(i.TargetMethod),
        IPropertyReferenceOperation p => _apis.Classify(p.Property),
        IFieldReferenceOperation f => _apis.Classify(f.Field),
        IObjectCreationOperation { Constructor: { } c } => _apis.Classify(c),
        _ => null,
    };

    /// <summary>The operation under implicit and explicit conversions (boxing, nullable lifting, casts).</summary>
    public static IOperation Unwrap(IOperation operation)
    {
        while (operation is IConversionOperation conversion) operation = conversion.Operand;
        return operation;
    }
}

using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace ZamSync.Generators.Diagnostics.Determinism;

/// <summary>
/// Decides, for one operation, which ZS6xxx rules it breaks, and records the source methods it leads into. Built
/// once per compilation (the symbols it compares with are resolved then) and shared by every method body.
/// </summary>
internal sealed class DeterminismRules(Compilation compilation)
{
    private readonly NondeterministicApis _apis = new(compilation);
    private readonly CultureRules _culture = new(compilation);
    private readonly UnorderedIteration _unordered = new(compilation);

    /// <summary>The operation kinds <see cref="Check"/> looks at.</summary>
    public static ImmutableArray<OperationKind> Kinds { get; } = ImmutableArray.Create(
        OperationKind.Invocation, OperationKind.PropertyReference, OperationKind.FieldReference, OperationKind.EventReference,
        OperationKind.ObjectCreation, OperationKind.MethodReference, OperationKind.InterpolatedString, OperationKind.Binary,
        OperationKind.Unary, OperationKind.Conversion, OperationKind.Loop, OperationKind.CompoundAssignment,
        OperationKind.SimpleAssignment, OperationKind.AnonymousFunction, OperationKind.LocalFunction);

    private static readonly SymbolDisplayFormat ApiFormat = SymbolDisplayFormat.CSharpShortErrorMessageFormat;

    public IEnumerable<Finding> Check(IOperation operation, FactCollector collector)
    {
        switch (operation)
        {
            case IInvocationOperation invocation:
                collector.AddCallee(invocation.TargetMethod);
                return Member(invocation.TargetMethod, invocation.Instance, operation)
                    .Concat(Found(DiagnosticDescriptors.ApplyDependsOnCulture, operation, _culture.Invocation(invocation)))
                    .Concat(Found(DiagnosticDescriptors.ApplyIteratesUnordered, operation, _unordered.Query(invocation)?.ToDisplayString(ApiFormat)));
            case IPropertyReferenceOperation property:
                collector.AddCallee(property.Property.GetMethod);
                collector.AddCallee(property.Property.SetMethod);
                return Member(property.Property, property.Instance, operation)
                    .Concat(Found(DiagnosticDescriptors.ApplyDependsOnCulture, operation, _culture.Property(property.Property)))
                    .Concat(Found(DiagnosticDescriptors.ApplyUsesMutableStatic, operation, MutableStaticProperty(property.Property)));
            case IFieldReferenceOperation field:
                return Member(field.Field, field.Instance, operation)
                    .Concat(Found(DiagnosticDescriptors.ApplyUsesMutableStatic, operation, MutableStaticField(field.Field)));
            case IEventReferenceOperation @event:
                return Member(@event.Event, @event.Instance, operation);
            case IObjectCreationOperation creation when creation.Constructor is { } constructor:
                collector.AddCallee(constructor);
                return Member(constructor, null, operation)
                    .Concat(Found(DiagnosticDescriptors.ApplyDependsOnCulture, operation, _culture.Creation(creation)));
            case IMethodReferenceOperation reference:
                collector.AddCallee(reference.Method);
                return Member(reference.Method, reference.Instance, operation);
            case IInterpolatedStringOperation interpolated when _culture.Interpolation(interpolated) is { } hole:
                return Found(DiagnosticDescriptors.ApplyDependsOnCulture, operation, $"{{{hole.Expression.Syntax}}} ({hole.Expression.Type?.ToDisplayString(ApiFormat)})");
            case IBinaryOperation binary:
                collector.AddCallee(binary.OperatorMethod);
                return _culture.Concatenation(binary) is { } operand
                    ? Found(DiagnosticDescriptors.ApplyDependsOnCulture, operand, $"+ {operand.Syntax} ({operand.Type?.ToDisplayString(ApiFormat)})")
                    : [];
            case IUnaryOperation unary:
                collector.AddCallee(unary.OperatorMethod);
                return [];
            case IConversionOperation conversion:
                collector.AddCallee(conversion.OperatorMethod);
                return [];
            case IForEachLoopOperation loop:
                return Found(DiagnosticDescriptors.ApplyIteratesUnordered, loop.Collection, _unordered.ForEach(loop)?.ToDisplayString(ApiFormat));
            case ICompoundAssignmentOperation compound:
                collector.AddCallee(compound.OperatorMethod);
                return Found(DiagnosticDescriptors.ApplyAccumulatesFloatingPoint, operation, FloatingAccumulation(compound.Target, compound.OperatorKind));
            case ISimpleAssignmentOperation { Value: IBinaryOperation binary } assignment when SameTarget(assignment.Target, binary.LeftOperand):
                return Found(DiagnosticDescriptors.ApplyAccumulatesFloatingPoint, operation, FloatingAccumulation(assignment.Target, binary.OperatorKind));
            case IAnonymousFunctionOperation { Symbol.IsAsync: true } lambda:
                return Found(DiagnosticDescriptors.ApplyIsAsync, AsyncLocation(operation.Syntax), "async lambda");
            case ILocalFunctionOperation { Symbol.IsAsync: true } local:
                return Found(DiagnosticDescriptors.ApplyIsAsync, AsyncLocation(operation.Syntax), "async " + local.Symbol.Name);
        }
        return [];
    }

    /// <summary>An async method itself (found when its body is analyzed, not through an operation).</summary>
    public static Finding? AsyncMethod(IMethodSymbol method)
    {
        if (!method.IsAsync) return null;
        var syntax = method.DeclaringSyntaxReferences.Select(r => r.GetSyntax()).FirstOrDefault();
        return syntax is null ? null : new Finding(DiagnosticDescriptors.ApplyIsAsync, AsyncLocation(syntax), "async " + CallGraph.Name(method));
    }

    private static Location AsyncLocation(SyntaxNode syntax)
    {
        var token = syntax.ChildTokens().FirstOrDefault(t => t.IsKind(SyntaxKind.AsyncKeyword));
        return token.IsKind(SyntaxKind.AsyncKeyword) ? token.GetLocation() : syntax.GetLocation();
    }

    private static IEnumerable<Finding> Found(DiagnosticDescriptor rule, IOperation operation, string? api) =>
        api is null ? [] : [new Finding(rule, operation.Syntax.GetLocation(), api)];

    private static IEnumerable<Finding> Found(DiagnosticDescriptor rule, Location location, string api) => [new Finding(rule, location, api)];

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

    /// <summary>A static field that can change: not const, not readonly (an enum's members are const).</summary>
    private static string? MutableStaticField(IFieldSymbol field) =>
        field is { IsStatic: true, IsConst: false, IsReadOnly: false } ? field.ToDisplayString(ApiFormat) : null;

    /// <summary>
    /// A static auto-property with a setter: the same as a mutable static field. A property with a body is followed
    /// into its accessors instead, where the field it uses is found.
    /// </summary>
    private static string? MutableStaticProperty(IPropertySymbol property)
    {
        if (property is not { IsStatic: true, SetMethod: not null } || property.DeclaringSyntaxReferences.Length == 0) return null;
        bool auto = property.DeclaringSyntaxReferences.All(r => r.GetSyntax() is PropertyDeclarationSyntax { ExpressionBody: null, AccessorList: { } list }
            && list.Accessors.All(a => a.Body is null && a.ExpressionBody is null));
        return auto ? property.ToDisplayString(ApiFormat) : null;
    }

    /// <summary>x += y (or x = x * y...) where x is a float or double.</summary>
    private static string? FloatingAccumulation(IOperation target, BinaryOperatorKind kind)
    {
        if (kind is not (BinaryOperatorKind.Add or BinaryOperatorKind.Subtract or BinaryOperatorKind.Multiply or BinaryOperatorKind.Divide or BinaryOperatorKind.Remainder)) return null;
        var type = target.Type;
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable) type = nullable.TypeArguments[0];
        bool floating = type?.SpecialType is SpecialType.System_Single or SpecialType.System_Double
            || (type is INamedTypeSymbol { Name: "Half" } half && Parsing.SymbolHelpers.InNamespace(half, "System"));
        return floating ? $"{target.Syntax} ({type!.ToDisplayString(ApiFormat)})" : null;
    }

    /// <summary>Whether two references name the same local, parameter, field or property of the same receiver (this, or none).</summary>
    private static bool SameTarget(IOperation a, IOperation b)
    {
        b = Unwrap(b);
        return (a, b) switch
        {
            (ILocalReferenceOperation x, ILocalReferenceOperation y) => SymbolEqualityComparer.Default.Equals(x.Local, y.Local),
            (IParameterReferenceOperation x, IParameterReferenceOperation y) => SymbolEqualityComparer.Default.Equals(x.Parameter, y.Parameter),
            (IFieldReferenceOperation x, IFieldReferenceOperation y) => SymbolEqualityComparer.Default.Equals(x.Field, y.Field) && SameReceiver(x.Instance, y.Instance),
            (IPropertyReferenceOperation x, IPropertyReferenceOperation y) => SymbolEqualityComparer.Default.Equals(x.Property, y.Property) && SameReceiver(x.Instance, y.Instance),
            _ => false,
        };
    }

    private static bool SameReceiver(IOperation? a, IOperation? b) =>
        (a is null && b is null) || (a is IInstanceReferenceOperation && b is IInstanceReferenceOperation);

    /// <summary>
    /// The operation under the conversions the compiler inserted (boxing, nullable lifting, to an interface); a cast the
    /// user wrote stays, since <c>((uint)n).ToString()</c> formats a uint, not an int.
    /// </summary>
    public static IOperation Unwrap(IOperation operation)
    {
        while (operation is IConversionOperation { IsImplicit: true } conversion) operation = conversion.Operand;
        return operation;
    }
}

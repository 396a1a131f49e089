using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ZamSync.Generators.Diagnostics.Determinism;

/// <summary>
/// ZS6005: a foreach or a LINQ query over a hash-based collection, whose order is not part of its contract
/// (Dictionary and HashSet happen to follow insertion order in today's runtime; the immutable and concurrent ones
/// follow hash codes, which for strings are seeded per process). Order-insensitive LINQ operators (Count, Any, Sum of
/// integers, OrderBy...) are fine, and operators that pass the order through (Where, Select...) defer the verdict to
/// what consumes their result.
/// </summary>
internal sealed class UnorderedIteration
{
    private readonly HashSet<INamedTypeSymbol> _unordered = new(SymbolEqualityComparer.Default);
    private readonly INamedTypeSymbol? _enumerable;

    private static readonly HashSet<string> OrderInsensitive = new(System.StringComparer.Ordinal)
    {
        "Count", "LongCount", "Any", "All", "Contains", "Min", "Max", "ToHashSet", "ToDictionary",
        "OrderBy", "OrderByDescending", "Order", "OrderDescending",
    };

    // Sum and Average are exact only over integers and decimals: over floating point the order changes the rounding.
    private static readonly HashSet<string> Arithmetic = new(System.StringComparer.Ordinal) { "Sum", "Average" };

    private static readonly HashSet<string> PassOrderThrough = new(System.StringComparer.Ordinal)
    {
        "Where", "Select", "SelectMany", "Cast", "OfType", "Distinct", "DistinctBy", "Union", "UnionBy", "Concat",
        "Except", "ExceptBy", "Intersect", "IntersectBy", "GroupBy", "AsEnumerable",
    };

    public UnorderedIteration(Compilation compilation)
    {
        foreach (var name in new[]
        {
            "System.Collections.Generic.HashSet`1", "System.Collections.Generic.Dictionary`2",
            "System.Collections.Generic.Dictionary`2+KeyCollection", "System.Collections.Generic.Dictionary`2+ValueCollection",
            "System.Collections.Concurrent.ConcurrentDictionary`2", "System.Collections.Concurrent.ConcurrentBag`1",
            "System.Collections.Immutable.ImmutableHashSet`1", "System.Collections.Immutable.ImmutableDictionary`2",
            "System.Collections.Frozen.FrozenSet`1", "System.Collections.Frozen.FrozenDictionary`2", "System.Collections.Hashtable",
        })
        {
            if (compilation.GetTypeByMetadataName(name) is { } type) _unordered.Add(type);
        }
        _enumerable = compilation.GetTypeByMetadataName("System.Linq.Enumerable");
    }

    /// <summary>The unordered collection type a foreach walks, or null.</summary>
    public ITypeSymbol? ForEach(IForEachLoopOperation loop) => Source(loop.Collection);

    /// <summary>The unordered collection type a LINQ call exposes the order of, or null.</summary>
    public ITypeSymbol? Query(IInvocationOperation invocation)
    {
        if (!IsEnumerable(invocation) || invocation.Arguments.Length == 0) return null;
        var method = invocation.TargetMethod;
        if (OrderInsensitive.Contains(method.Name)) return null;
        if (Arithmetic.Contains(method.Name) && ElementType(method) is { } element && IsExact(element)) return null;
        if (PassOrderThrough.Contains(method.Name) && ConsumedByQueryOrLoop(invocation)) return null;
        return Source(invocation.Arguments[0].Value);
    }

    private bool IsEnumerable(IInvocationOperation invocation) =>
        SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, _enumerable);

    /// <summary>The unordered collection an expression iterates: the collection itself, or one under order-preserving operators.</summary>
    private ITypeSymbol? Source(IOperation operation)
    {
        var value = DeterminismRules.Unwrap(operation);
        if (value.Type is INamedTypeSymbol type && IsUnordered(type)) return type;
        if (value is IInvocationOperation inner && IsEnumerable(inner) && PassOrderThrough.Contains(inner.TargetMethod.Name) && inner.Arguments.Length > 0)
            return Source(inner.Arguments[0].Value);
        return null;
    }

    private bool IsUnordered(INamedTypeSymbol type)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            if (_unordered.Contains(t.OriginalDefinition)) return true;
        }
        return false;
    }

    /// <summary>Whether the result goes straight into another LINQ call or a foreach, which then decides.</summary>
    private bool ConsumedByQueryOrLoop(IOperation operation)
    {
        var parent = operation.Parent;
        while (parent is IConversionOperation) parent = parent.Parent;
        if (parent is IArgumentOperation { Parent: IInvocationOperation next } argument && IsEnumerable(next) && next.Arguments.Length > 0 && next.Arguments[0] == argument)
            return true;
        return parent is IForEachLoopOperation;
    }

    /// <summary>What Sum or Average adds up: the selector's result, or the source's element type.</summary>
    private static ITypeSymbol? ElementType(IMethodSymbol method)
    {
        if (method.Parameters.Length == 2 && method.Parameters[1].Type is INamedTypeSymbol { DelegateInvokeMethod: { } invoke }) return invoke.ReturnType;
        return method.Parameters.Length == 1 && method.Parameters[0].Type is INamedTypeSymbol { TypeArguments.Length: 1 } source ? source.TypeArguments[0] : null;
    }

    private static bool IsExact(ITypeSymbol type)
    {
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable) type = nullable.TypeArguments[0];
        return type.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64 or SpecialType.System_Decimal;
    }
}

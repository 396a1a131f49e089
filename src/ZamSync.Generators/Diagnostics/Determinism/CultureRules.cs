using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ZamSync.Generators.Diagnostics.Determinism;

/// <summary>
/// ZS6004: text that depends on the current culture. A value is culture-sensitive when its formatting, under the
/// format it is given, can differ between two cultures .NET ships: signed numbers (the negative sign: U+2212 in
/// Swedish), every floating-point and decimal number (the decimal separator), dates and times in any format except the
/// round-trip and sortable ones (O, R, s, u; custom patterns follow the culture's calendar), and a TimeSpan in any
/// format but the constant one (c, t, T, and the default). Unsigned integers are only sensitive with a format that
/// groups digits or places a separator (N, C, P, E, F...): their default text has no sign. Guid, bool, char and
/// enums ignore the culture.
/// </summary>
internal sealed class CultureRules
{
    private readonly INamedTypeSymbol? _formatProvider;
    private readonly INamedTypeSymbol? _cultureInfo;
    private readonly INamedTypeSymbol? _stringComparison;
    private readonly INamedTypeSymbol? _formattableString;
    private readonly INamedTypeSymbol? _formattable;
    private readonly INamedTypeSymbol? _stringBuilder;
    private readonly INamedTypeSymbol? _convert;
    private readonly INamedTypeSymbol? _thread;
    private readonly INamedTypeSymbol? _enumerable;
    private readonly INamedTypeSymbol? _list;
    private readonly INamedTypeSymbol? _array;
    private readonly HashSet<INamedTypeSymbol> _sortedCollections = new(SymbolEqualityComparer.Default);
    private readonly HashSet<INamedTypeSymbol> _signed = new(SymbolEqualityComparer.Default);
    private readonly HashSet<INamedTypeSymbol> _unsigned = new(SymbolEqualityComparer.Default);
    private readonly HashSet<INamedTypeSymbol> _fractional = new(SymbolEqualityComparer.Default);
    private readonly HashSet<INamedTypeSymbol> _dates = new(SymbolEqualityComparer.Default);
    private readonly INamedTypeSymbol? _timeSpan;

    public CultureRules(Compilation compilation)
    {
        INamedTypeSymbol? Type(string name) => compilation.GetTypeByMetadataName(name);
        void Into(HashSet<INamedTypeSymbol> set, params string[] names)
        {
            foreach (var name in names)
            {
                if (Type(name) is { } t) set.Add(t);
            }
        }

        _formatProvider = Type("System.IFormatProvider");
        _cultureInfo = Type("System.Globalization.CultureInfo");
        _stringComparison = Type("System.StringComparison");
        _formattableString = Type("System.FormattableString");
        _formattable = Type("System.IFormattable");
        _stringBuilder = Type("System.Text.StringBuilder");
        _convert = Type("System.Convert");
        _thread = Type("System.Threading.Thread");
        _enumerable = Type("System.Linq.Enumerable");
        _list = Type("System.Collections.Generic.List`1");
        _array = Type("System.Array");
        Into(_sortedCollections, "System.Collections.Generic.SortedDictionary`2", "System.Collections.Generic.SortedList`2", "System.Collections.Generic.SortedSet`1");
        Into(_signed, "System.SByte", "System.Int16", "System.Int32", "System.Int64", "System.IntPtr", "System.Int128", "System.Numerics.BigInteger");
        Into(_unsigned, "System.Byte", "System.UInt16", "System.UInt32", "System.UInt64", "System.UIntPtr", "System.UInt128");
        Into(_fractional, "System.Single", "System.Double", "System.Decimal", "System.Half", "System.Numerics.Complex");
        Into(_dates, "System.DateTime", "System.DateTimeOffset", "System.DateOnly", "System.TimeOnly");
        _timeSpan = Type("System.TimeSpan");
    }

    /// <summary>Whether values of this type can have a culture (any format).</summary>
    private bool IsFormattedByCulture(ITypeSymbol? type) => type is INamedTypeSymbol named
        && (_signed.Contains(named) || _unsigned.Contains(named) || _fractional.Contains(named) || _dates.Contains(named) || SymbolEqualityComparer.Default.Equals(named, _timeSpan));

    /// <summary>
    /// Whether formatting a <paramref name="type"/> with <paramref name="format"/> (null: the default; <paramref name="known"/>
    /// false: a format not known at compile time) can give another text in another culture.
    /// </summary>
    public bool IsCultureSensitive(ITypeSymbol? type, string? format, bool known = true)
    {
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable) type = nullable.TypeArguments[0];
        if (type is not INamedTypeSymbol named) return false;
        if (!known) return IsFormattedByCulture(named);
        char spec = StandardSpecifier(format);
        if (_signed.Contains(named)) return spec is not ('X' or 'x' or 'B' or 'b');
        if (_unsigned.Contains(named)) return format is not null && spec is not ('G' or 'g' or 'D' or 'd' or 'X' or 'x' or 'B' or 'b' or 'R' or 'r');
        if (_fractional.Contains(named)) return true;
        if (_dates.Contains(named)) return spec is not ('O' or 'o' or 'R' or 'r' or 's' or 'u');
        if (SymbolEqualityComparer.Default.Equals(named, _timeSpan)) return format is not null && spec is not ('c' or 't' or 'T');
        return false;
    }

    /// <summary>The letter of a standard format string ("X8" → 'X'); '\0' for none, '?' for a custom pattern.</summary>
    private static char StandardSpecifier(string? format)
    {
        if (string.IsNullOrEmpty(format)) return '\0';
        if (format!.Length > 3 || !char.IsLetter(format[0])) return '?';
        for (int i = 1; i < format.Length; i++)
        {
            if (!char.IsDigit(format[i])) return '?';
        }
        return format[0];
    }

    private bool IsProvider(ITypeSymbol type) =>
        SymbolEqualityComparer.Default.Equals(type, _formatProvider)
        || type.AllInterfaces.Any(i => SymbolEqualityComparer.Default.Equals(i, _formatProvider));

    private bool TakesProviderOrComparison(IMethodSymbol method) =>
        method.Parameters.Any(p => IsProvider(p.Type) || SymbolEqualityComparer.Default.Equals(p.Type, _stringComparison)
            || p.Type.Name is "IComparer" or "IEqualityComparer" || p.Type.AllInterfaces.Any(i => i.Name is "IComparer" or "IEqualityComparer"));

    private static readonly SymbolDisplayFormat ApiFormat = SymbolDisplayFormat.CSharpShortErrorMessageFormat;

    /// <summary>The culture-sensitive API an invocation calls, or null.</summary>
    public string? Invocation(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        var type = method.ContainingType;
        if (type is null || TakesProviderOrComparison(method)) return null;
        string api = method.ToDisplayString(ApiFormat);

        // value.ToString() and value.ToString(format)
        if (method is { Name: "ToString", IsStatic: false } && method.Parameters.Length <= 1)
        {
            var receiver = invocation.Instance is { } instance ? DeterminismRules.Unwrap(instance).Type ?? type : type;
            string? format = null;
            bool known = true;
            if (method.Parameters.Length == 1)
            {
                if (method.Parameters[0].Type.SpecialType != SpecialType.System_String) return null;
                var value = invocation.Arguments[0].Value.ConstantValue;
                known = value.HasValue;
                format = value.HasValue ? value.Value as string : null;
            }
            return IsCultureSensitive(receiver, format, known) ? api : null;
        }
        // int.Parse(s), DateTime.TryParse(s, out d), and their NumberStyles/DateTimeStyles overloads.
        if (method.IsStatic && method.Name is "Parse" or "TryParse" && IsFormattedByCulture(type)) return api;
        // Convert.ToInt32(s), Convert.ToString(1.5): parsing to or formatting from a culture-formatted value.
        if (SymbolEqualityComparer.Default.Equals(type, _convert))
        {
            bool parses = IsFormattedByCulture(method.ReturnType) && method.Parameters.Any(p => p.Type.SpecialType == SpecialType.System_String);
            bool formats = method.Name == "ToString" && method.Parameters.Length == 1 && IsCultureSensitive(method.Parameters[0].Type, null);
            return parses || formats ? api : null;
        }
        // string.Format(format, args) and StringBuilder.AppendFormat(format, args) without a provider.
        if ((type.SpecialType == SpecialType.System_String && method.Name == "Format")
            || (SymbolEqualityComparer.Default.Equals(type, _stringBuilder) && method.Name == "AppendFormat"))
        {
            return FormatArguments(invocation).Any(v => IsCultureSensitive(v.Type, null)) ? api : null;
        }
        // Linguistic string operations: ToUpper(), Compare(a, b), StartsWith("x")... (the char overloads are ordinal).
        if (type.SpecialType == SpecialType.System_String)
        {
            return method.Name switch
            {
                "ToUpper" or "ToLower" => api,
                "Compare" or "CompareTo" when method.Parameters.Any(p => p.Type.SpecialType == SpecialType.System_String) => api,
                "StartsWith" or "EndsWith" or "IndexOf" or "LastIndexOf" when method.Parameters.Length > 0 && method.Parameters[0].Type.SpecialType == SpecialType.System_String => api,
                _ => null,
            };
        }
        // Sorting strings with the default comparer, which is the current culture's.
        if (SymbolEqualityComparer.Default.Equals(type, _enumerable) && method.Name is "OrderBy" or "OrderByDescending" or "ThenBy" or "ThenByDescending" or "Order" or "OrderDescending")
        {
            var key = method.Name.StartsWith("Order", System.StringComparison.Ordinal) && method.TypeArguments.Length == 1 ? method.TypeArguments[0] : method.TypeArguments.LastOrDefault();
            return key?.SpecialType == SpecialType.System_String ? api : null;
        }
        if (method.Name == "Sort" && method.Parameters.Length == 0 && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, _list)
            && type.TypeArguments[0].SpecialType == SpecialType.System_String)
            return api;
        if (method.Name == "Sort" && SymbolEqualityComparer.Default.Equals(type, _array) && method.Parameters.Length == 1
            && invocation.Arguments[0].Value is { Type: IArrayTypeSymbol { ElementType.SpecialType: SpecialType.System_String } })
            return api;
        return null;
    }

    /// <summary>The culture-sensitive API a property read is, or null: the current culture itself.</summary>
    public string? Property(IPropertySymbol property)
    {
        bool current = property.Name is "CurrentCulture" or "CurrentUICulture"
            && (SymbolEqualityComparer.Default.Equals(property.ContainingType, _cultureInfo) || SymbolEqualityComparer.Default.Equals(property.ContainingType, _thread));
        return current ? property.ToDisplayString(ApiFormat) : null;
    }

    /// <summary>A sorted collection of strings created without a comparer: it sorts by the current culture.</summary>
    public string? Creation(IObjectCreationOperation creation)
    {
        if (creation.Constructor is not { } constructor || creation.Type is not INamedTypeSymbol type) return null;
        if (!_sortedCollections.Contains(type.OriginalDefinition) || type.TypeArguments[0].SpecialType != SpecialType.System_String) return null;
        return constructor.Parameters.Any(p => p.Type.Name == "IComparer") ? null : constructor.ToDisplayString(ApiFormat);
    }

    /// <summary>"a" + 1.5: the concatenation formats the number with the current culture.</summary>
    public IOperation? Concatenation(IBinaryOperation binary)
    {
        if (binary.OperatorKind != BinaryOperatorKind.Add || binary.Type?.SpecialType != SpecialType.System_String) return null;
        foreach (var operand in new[] { binary.LeftOperand, binary.RightOperand })
        {
            var value = DeterminismRules.Unwrap(operand);
            if (IsCultureSensitive(value.Type, null)) return value;
        }
        return null;
    }

    /// <summary>
    /// The first hole of an interpolated string that formats a culture-sensitive value with the current culture, or
    /// null: when the string is given a provider (<c>string.Create(CultureInfo.InvariantCulture, $"...")</c>,
    /// <c>StringBuilder.Append(provider, $"...")</c>) or kept as a FormattableString to format later.
    /// </summary>
    public IInterpolationOperation? Interpolation(IInterpolatedStringOperation interpolated)
    {
        var parent = interpolated.Parent;
        if (parent is IInterpolatedStringHandlerCreationOperation handler)
        {
            if (handler.HandlerCreation is IObjectCreationOperation { Constructor: { } ctor } && ctor.Parameters.Any(p => IsProvider(p.Type))) return null;
        }
        else if (parent is IConversionOperation { Type: { } target }
            && (SymbolEqualityComparer.Default.Equals(target, _formattableString) || SymbolEqualityComparer.Default.Equals(target, _formattable)))
        {
            return null;
        }
        foreach (var part in interpolated.Parts)
        {
            if (part is not IInterpolationOperation hole) continue;
            var format = hole.FormatString?.ConstantValue;
            bool known = hole.FormatString is null || format is { HasValue: true };
            string? text = format is { HasValue: true } ? format.Value.Value as string : null;
            if (IsCultureSensitive(DeterminismRules.Unwrap(hole.Expression).Type, text, known)) return hole;
        }
        return null;
    }

    /// <summary>The values a composite format formats: the arguments after the format string, params arrays spread out.</summary>
    private static IEnumerable<IOperation> FormatArguments(IInvocationOperation invocation)
    {
        foreach (var argument in invocation.Arguments.Skip(1))
        {
            var value = DeterminismRules.Unwrap(argument.Value);
            IEnumerable<IOperation> elements = value switch
            {
                IArrayCreationOperation { Initializer: { } init } => init.ElementValues,
                ICollectionExpressionOperation collection => collection.Elements,
                _ => [value],
            };
            foreach (var element in elements) yield return DeterminismRules.Unwrap(element);
        }
    }
}

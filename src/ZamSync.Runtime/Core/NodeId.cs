using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;

namespace ZamSync;

/// <summary>
/// Identifies a node (a clinic, a hub, a ship). 64 bits: random ids stay collision-free far beyond the
/// thousands of nodes at which the original 32-bit ids start colliding (birthday bound ~ 2^32 nodes).
/// Zero is reserved as "no node".
/// </summary>
public readonly record struct NodeId(ulong Value) : IComparable<NodeId>, ISpanFormattable, IParsable<NodeId>
{
    /// <summary>A fresh random non-zero id from the operating system's CSPRNG.</summary>
    public static NodeId NewRandom()
    {
        Span<byte> bytes = stackalloc byte[8];
        ulong value;
        do
        {
            RandomNumberGenerator.Fill(bytes);
            value = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        }
        while (value == 0);
        return new NodeId(value);
    }

    public bool IsEmpty => Value == 0;

    public int CompareTo(NodeId other) => Value.CompareTo(other.Value);

    /// <summary>Parses a decimal id (<c>"7"</c>) or a hexadecimal one with a <c>0x</c> prefix.</summary>
    public static NodeId Parse(string s) => Parse(s, provider: null);

    public static NodeId Parse(string s, IFormatProvider? provider)
    {
        ArgumentNullException.ThrowIfNull(s);
        return TryParse(s, provider, out var id)
            ? id
            : throw new FormatException($"'{s}' is not a node id: expected a non-zero decimal number or 0x-prefixed hex.");
    }

    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out NodeId result)
    {
        result = default;
        if (string.IsNullOrWhiteSpace(s)) return false;
        var text = s.AsSpan().Trim();
        ulong value;
        bool ok = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(text[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
            : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        if (!ok || value == 0) return false;
        result = new NodeId(value);
        return true;
    }

    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);

    public string ToString(string? format, IFormatProvider? formatProvider) => Value.ToString(format, formatProvider ?? CultureInfo.InvariantCulture);

    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider) =>
        Value.TryFormat(destination, out charsWritten, format, provider ?? CultureInfo.InvariantCulture);

    public static bool operator <(NodeId left, NodeId right) => left.Value < right.Value;
    public static bool operator >(NodeId left, NodeId right) => left.Value > right.Value;
    public static bool operator <=(NodeId left, NodeId right) => left.Value <= right.Value;
    public static bool operator >=(NodeId left, NodeId right) => left.Value >= right.Value;
}

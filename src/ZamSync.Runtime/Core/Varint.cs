using System.Numerics;

namespace ZamSync;

/// <summary>LEB128 unsigned varints: 7 bits per byte, high bit set on every byte but the last.</summary>
internal static class Varint
{
    public const int MaxLength = 10;

    public static int SizeOf(ulong value) => (64 - BitOperations.LeadingZeroCount(value | 1) + 6) / 7;

    public static int Write(Span<byte> destination, ulong value)
    {
        int i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[i++] = (byte)value;
        return i;
    }

    /// <summary>Reads a varint; returns false on truncated or over-long input instead of throwing.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out ulong value, out int bytesRead)
    {
        value = 0;
        for (int i = 0, shift = 0; i < source.Length && i < MaxLength; i++, shift += 7)
        {
            byte b = source[i];
            if (i == MaxLength - 1 && b > 1) break; // would overflow 64 bits
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                bytesRead = i + 1;
                return true;
            }
        }
        value = 0;
        bytesRead = 0;
        return false;
    }
}

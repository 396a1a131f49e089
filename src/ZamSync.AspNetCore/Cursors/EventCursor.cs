using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;

namespace ZamSync.AspNetCore.Cursors;

/// <summary>
/// A reader's place in the events: a version vector (the highest sequence read per origin), written as the URL-safe
/// base64 of the vector's wire encoding. Sequences are contiguous per origin, so this names exactly what was read
/// however events arrive meanwhile; an offset would skip or repeat events under concurrent appends.
/// </summary>
public static class EventCursor
{
    /// <summary>The cursor for <paramref name="vector"/> (never empty: the empty vector is <c>AA</c>).</summary>
    public static string Encode(VersionVector vector)
    {
        ArgumentNullException.ThrowIfNull(vector);
        return Base64Url.EncodeToString(vector.ToBytes());
    }

    /// <summary>
    /// Reads a cursor; null or empty is the start. False when it is longer than <paramref name="maxLength"/>, not
    /// URL-safe base64, or not exactly one well-formed vector (sorted, no duplicate origins, no zero sequences).
    /// </summary>
    public static bool TryDecode(string? cursor, int maxLength, [NotNullWhen(true)] out VersionVector? vector, out string? error)
    {
        vector = null;
        error = null;
        if (string.IsNullOrEmpty(cursor))
        {
            vector = new VersionVector();
            return true;
        }
        if (cursor.Length > maxLength)
        {
            error = $"the cursor is {cursor.Length} characters long; at most {maxLength} are accepted";
            return false;
        }
        byte[] bytes = new byte[Base64Url.GetMaxDecodedLength(cursor.Length)];
        int length;
        try
        {
            // The Try form only reports a short destination; characters outside the alphabet throw.
            if (!Base64Url.TryDecodeFromChars(cursor, bytes, out length)) length = -1;
        }
        catch (FormatException)
        {
            length = -1;
        }
        if (length < 0)
        {
            error = "the cursor is not URL-safe base64";
            return false;
        }
        // Each entry takes at least two bytes, which also bounds how many origins a cursor can name.
        if (!VersionVector.TryDecode(bytes.AsSpan(0, length), length / 2, out var decoded, out int read) || read != length)
        {
            error = "the cursor is not a version vector this API wrote";
            return false;
        }
        vector = decoded;
        return true;
    }
}

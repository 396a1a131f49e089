namespace ZamSync.Projection;

/// <summary>
/// The SQL shape of an event member in a projection (docs/projection.md has the SQLite and PostgreSQL type of each).
/// The generator picks it from the member's C# type; anything without a natural column is <see cref="Json"/>.
/// </summary>
public enum ZamColumnType
{
    /// <summary><c>bool</c>.</summary>
    Boolean,
    /// <summary><c>sbyte</c>, <c>byte</c>, <c>short</c> (and enums over them).</summary>
    Int16,
    /// <summary><c>ushort</c>, <c>int</c> (and enums over them).</summary>
    Int32,
    /// <summary><c>uint</c>, <c>long</c> (and enums over them).</summary>
    Int64,
    /// <summary><c>ulong</c>, <c>decimal</c>, <c>Int128</c>, <c>UInt128</c>: exact, wider than a 64-bit integer.</summary>
    Numeric,
    /// <summary><c>float</c>, <c>Half</c>.</summary>
    Single,
    /// <summary><c>double</c>.</summary>
    Double,
    /// <summary><c>string</c>, <c>char</c>.</summary>
    Text,
    /// <summary><c>DateTime</c>, <c>DateTimeOffset</c>: an instant, stored in UTC.</summary>
    Timestamp,
    /// <summary><c>DateOnly</c>.</summary>
    Date,
    /// <summary><c>TimeOnly</c>.</summary>
    Time,
    /// <summary><c>TimeSpan</c>.</summary>
    Interval,
    /// <summary><c>Guid</c>.</summary>
    Uuid,
    /// <summary><c>byte[]</c>.</summary>
    Blob,
    /// <summary>Collections, nested contracts, records and anything else: the value as JSON.</summary>
    Json,
}

namespace ZamSync.Projection;

/// <summary>
/// Decodes one payload of an event type into its members' values, in column order: the generated code reads the
/// event with its formatter and copies each member (enums as their underlying integer), with no reflection.
/// </summary>
public delegate void ZamColumnReader(ReadOnlySpan<byte> payload, Span<object?> values);

/// <summary>The relational shape of one event type (one version of one event): its table and columns.</summary>
/// <param name="eventTypeId">The event's wire id (its id, and its version minus one in the top byte).</param>
/// <param name="eventName">The event type's full name.</param>
/// <param name="tableName">The SQL table name the generator chose (snake case of the type's name, then <c>_v</c> and the version).</param>
/// <param name="columns">One column per serialized member, in slot order.</param>
/// <param name="reader">The generated decoder.</param>
public sealed class ZamProjectionTable(uint eventTypeId, string eventName, string tableName, IReadOnlyList<ZamProjectionColumn> columns, ZamColumnReader reader)
{
    /// <summary>The event's wire id.</summary>
    public uint EventTypeId { get; } = eventTypeId;

    /// <summary>The event's version (1 unless its attribute says otherwise).</summary>
    public int Version => (int)(EventTypeId >> 24) + 1;

    /// <summary>The event type's full name.</summary>
    public string EventName { get; } = eventName;

    /// <summary>The SQL table name the generator chose.</summary>
    public string TableName { get; } = tableName;

    /// <summary>One column per serialized member, in slot order.</summary>
    public IReadOnlyList<ZamProjectionColumn> Columns { get; } = columns;

    /// <summary>Decodes <paramref name="payload"/> into <paramref name="values"/> (at least <see cref="Columns"/> long).</summary>
    /// <exception cref="MemoryPack.MemoryPackSerializationException">The payload is not an event of this type.</exception>
    public void ReadValues(ReadOnlySpan<byte> payload, Span<object?> values)
    {
        if (values.Length < Columns.Count) throw new ArgumentException($"{Columns.Count} values are needed for {EventName}.", nameof(values));
        reader(payload, values);
    }
}

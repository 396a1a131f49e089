using System.Text.RegularExpressions;

namespace ZamSync.PostgreSql;

/// <summary>Where ZamSync keeps its tables in a PostgreSQL database.</summary>
public sealed partial record PostgresStoreOptions
{
    /// <summary>The default schema, <c>zamsync</c>.</summary>
    public const string DefaultSchema = "zamsync";

    /// <summary>
    /// The schema that holds the tables (created when missing). Several hub processes of one hub share one schema;
    /// unrelated hubs (or tests) use one schema each. Lower-case letters, digits and <c>_</c>, at most 63 characters.
    /// </summary>
    public string Schema { get; init; } = DefaultSchema;

    /// <summary>
    /// How many rows one read query fetches. Reads stream chunk by chunk, each its own short query, so memory stays
    /// bounded however long an origin is and no read holds a transaction (or a snapshot) open between chunks.
    /// </summary>
    public int ReadChunkRows { get; init; } = 1_000;

    internal string QuotedSchema => '"' + ValidSchema() + '"';

    internal string ValidSchema()
    {
        if (!SchemaName().IsMatch(Schema))
            throw new ArgumentException($"'{Schema}' is not a schema name ZamSync uses: lower-case letters, digits and '_', starting with a letter or '_', at most 63 characters.", nameof(Schema));
        return Schema;
    }

    internal int ValidChunk() => ReadChunkRows > 0
        ? ReadChunkRows
        : throw new ArgumentOutOfRangeException(nameof(ReadChunkRows), ReadChunkRows, "A read chunk needs at least one row.");

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex SchemaName();
}

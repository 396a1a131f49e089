namespace ZamSync.PostgreSql;

/// <summary>How a batch of events reaches the <c>events</c> table (docs/postgresql.md, "Writing a batch").</summary>
internal enum BatchWriteMethod
{
    /// <summary>One <c>INSERT ... SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING</c>: a single statement per batch.</summary>
    UnnestInsert,

    /// <summary>Binary <c>COPY</c> straight into the table (safe because the origins' rows are locked and replays are filtered first).</summary>
    BinaryCopy,
}

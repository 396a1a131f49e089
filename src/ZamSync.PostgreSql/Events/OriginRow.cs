namespace ZamSync.PostgreSql;

/// <summary>
/// One row of the <c>origins</c> table as the store last saw it: every sequence <c>1..Held</c> is held (or was
/// compacted, at or below <c>Floor</c>), and <c>High</c> is the origin's highest stamp, which survives compaction.
/// </summary>
internal readonly record struct OriginRow(ulong Held, ulong Floor, Hlc High);

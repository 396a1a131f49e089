namespace ZamSync.Projection;

/// <summary>One member of an event as a column of its projection table.</summary>
/// <param name="name">The column's SQL name (snake case of the member's name).</param>
/// <param name="member">The member's C# name, as JSON output names it.</param>
/// <param name="type">The column's shape.</param>
public sealed class ZamProjectionColumn(string name, string member, ZamColumnType type)
{
    /// <summary>The column's SQL name.</summary>
    public string Name { get; } = name;

    /// <summary>The member's C# name.</summary>
    public string Member { get; } = member;

    /// <summary>The column's shape.</summary>
    public ZamColumnType Type { get; } = type;
}

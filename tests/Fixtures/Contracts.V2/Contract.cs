using ZamSync;

namespace Contracts.V2;

/// <summary>Version 2 of a reading: a new optional member in a new slot.</summary>
[ZamEvent(1)]
public partial record Reading([property: ZamMember(0)] string Id, [property: ZamMember(1)] int Value, [property: ZamMember(2)] string? Unit);

/// <summary>New in version 2: an event version 1 does not know.</summary>
[ZamEvent(2)]
public partial record ReadingVoided([property: ZamMember(0)] string Id);

/// <summary>Version 1's snapshot slot unchanged, plus a new one: a version-1 snapshot reads as version 2 with no units.</summary>
[ZamState(Snapshots = true)]
public partial class ReadingsState
{
    [ZamMember(0)] public SortedDictionary<string, int> Values { get; } = new(StringComparer.Ordinal);

    [ZamMember(1)] public SortedDictionary<string, string> Units { get; } = new(StringComparer.Ordinal);

    void Apply(Reading e)
    {
        Values[e.Id] = e.Value;
        if (e.Unit is { } unit) Units[e.Id] = unit; else Units.Remove(e.Id);
    }

    void Apply(ReadingVoided e)
    {
        Values.Remove(e.Id);
        Units.Remove(e.Id);
    }

    public void Reset()
    {
        Values.Clear();
        Units.Clear();
    }
}

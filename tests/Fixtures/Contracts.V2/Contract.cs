using ZamSync;

namespace Contracts.V2;

/// <summary>Version 2 of a reading: a new optional member in a new slot.</summary>
[ZamEvent(1)]
public partial record Reading([property: ZamMember(0)] string Id, [property: ZamMember(1)] int Value, [property: ZamMember(2)] string? Unit);

/// <summary>New in version 2: an event version 1 does not know.</summary>
[ZamEvent(2)]
public partial record ReadingVoided([property: ZamMember(0)] string Id);

[ZamState]
public partial class ReadingsState
{
    public SortedDictionary<string, (int Value, string? Unit)> Values { get; } = new(StringComparer.Ordinal);

    void Apply(Reading e) => Values[e.Id] = (e.Value, e.Unit);

    void Apply(ReadingVoided e) => Values.Remove(e.Id);

    public void Reset() => Values.Clear();
}

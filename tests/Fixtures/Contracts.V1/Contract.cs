using ZamSync;

namespace Contracts.V1;

/// <summary>Version 1 of a reading: an id and a value.</summary>
[ZamEvent(1)]
public partial record Reading([property: ZamMember(0)] string Id, [property: ZamMember(1)] int Value);

/// <summary>Snapshots on, so the upgrade tests cover a state resumed from a snapshot and a compacted log's base.</summary>
[ZamState(Snapshots = true)]
public partial class ReadingsState
{
    [ZamMember(0)] public SortedDictionary<string, int> Values { get; } = new(StringComparer.Ordinal);

    void Apply(Reading e) => Values[e.Id] = e.Value;

    public void Reset() => Values.Clear();
}

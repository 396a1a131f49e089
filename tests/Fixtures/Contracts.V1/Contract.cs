using ZamSync;

namespace Contracts.V1;

/// <summary>Version 1 of a reading: an id and a value.</summary>
[ZamEvent(1)]
public partial record Reading([property: ZamMember(0)] string Id, [property: ZamMember(1)] int Value);

/// <summary>Version 1 of a dose: milligrams as a whole number. Version 2 changes the slot's type, with an upcaster.</summary>
[ZamEvent(3)]
public partial record Dosed([property: ZamMember(0)] string Item, [property: ZamMember(1)] int Milligrams);

/// <summary>Snapshots on, so the upgrade tests cover a state resumed from a snapshot and a compacted log's base.</summary>
[ZamState(Snapshots = true)]
public partial class ReadingsState
{
    [ZamMember(0)] public SortedDictionary<string, int> Values { get; } = new(StringComparer.Ordinal);

    [ZamMember(2)] public SortedDictionary<string, int> Milligrams { get; } = new(StringComparer.Ordinal);

    void Apply(Reading e) => Values[e.Id] = e.Value;

    void Apply(Dosed e) => Milligrams[e.Item] = Milligrams.GetValueOrDefault(e.Item) + e.Milligrams;

    public void Reset()
    {
        Values.Clear();
        Milligrams.Clear();
    }
}

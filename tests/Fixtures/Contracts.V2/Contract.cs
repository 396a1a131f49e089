using ZamSync;

namespace Contracts.V2;

/// <summary>Version 2 of a reading: a new optional member in a new slot.</summary>
[ZamEvent(1)]
public partial record Reading([property: ZamMember(0)] string Id, [property: ZamMember(1)] int Value, [property: ZamMember(2)] string? Unit);

/// <summary>New in version 2: an event version 1 does not know.</summary>
[ZamEvent(2)]
public partial record ReadingVoided([property: ZamMember(0)] string Id);

/// <summary>Version 1 of a dose, kept under a new name so version 2 reads the old events: milligrams as an int.</summary>
[ZamEvent(3)]
public partial record DosedV1([property: ZamMember(0)] string Item, [property: ZamMember(1)] int Milligrams);

/// <summary>Version 2 of a dose: slot 1 changed type, to grams as a decimal.</summary>
[ZamEvent(3, Version = 2)]
public partial record Dosed([property: ZamMember(0)] string Item, [property: ZamMember(1)] decimal Grams);

public static class Upcasts
{
    /// <summary>A version-1 dose read by this contract: deterministic, exact (decimal division by a power of ten).</summary>
    [ZamUpcast]
    public static Dosed ToGrams(DosedV1 old) => new(old.Item, old.Milligrams / 1000m);
}

/// <summary>Version 1's snapshot slot unchanged, plus a new one: a version-1 snapshot reads as version 2 with no units.</summary>
[ZamState(Snapshots = true)]
public partial class ReadingsState
{
    [ZamMember(0)] public SortedDictionary<string, int> Values { get; } = new(StringComparer.Ordinal);

    [ZamMember(1)] public SortedDictionary<string, string> Units { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Slot 3, not version 1's slot 2 (milligrams): a slot's type never changes. A version-1 snapshot leaves this
    /// empty, which is why a snapshot folded under another contract is not resumed from (the engine re-folds the log).
    /// </summary>
    [ZamMember(3)] public SortedDictionary<string, decimal> Grams { get; } = new(StringComparer.Ordinal);

    void Apply(Dosed e) => Grams[e.Item] = Grams.GetValueOrDefault(e.Item) + e.Grams;

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
        Grams.Clear();
    }
}

using MemoryPack;

namespace ZamSync.Contracts.OracleTests;

public enum Mood : byte { Calm, Busy }

// The twins: one written by the ZamSync generator, one by MemoryPack's own version-tolerant generator.
[ZamEvent(1)]
public partial class OrderZam
{
    [ZamMember(0)] public int Number { get; set; }
    [ZamMember(1)] public string? Name { get; set; }
    [ZamMember(2)] public Mood Mood { get; set; }
    [ZamMember(3)] public DateTime At { get; set; }
    [ZamMember(4)] public Guid Id { get; set; }
    [ZamMember(5)] public int? Maybe { get; set; }
    [ZamMember(6)] public int[]? Codes { get; set; }
    [ZamMember(7)] public List<string>? Tags { get; set; }
    [ZamMember(8)] public Dictionary<string, int>? Totals { get; set; }
    [ZamMember(9)] public string[]? Names { get; set; }
}

[MemoryPackable(GenerateType.VersionTolerant)]
public partial class OrderMemoryPack
{
    [MemoryPackOrder(0)] public int Number { get; set; }
    [MemoryPackOrder(1)] public string? Name { get; set; }
    [MemoryPackOrder(2)] public Mood Mood { get; set; }
    [MemoryPackOrder(3)] public DateTime At { get; set; }
    [MemoryPackOrder(4)] public Guid Id { get; set; }
    [MemoryPackOrder(5)] public int? Maybe { get; set; }
    [MemoryPackOrder(6)] public int[]? Codes { get; set; }
    [MemoryPackOrder(7)] public List<string>? Tags { get; set; }
    [MemoryPackOrder(8)] public Dictionary<string, int>? Totals { get; set; }
    [MemoryPackOrder(9)] public string[]? Names { get; set; }
}

// A retired slot: MemoryPack writes a gap in explicit order as an empty slot, as ZamSync does.
[ZamEvent(2)]
public partial class GapZam
{
    [ZamMember(0)] public int A { get; set; }
    [ZamMember(2)] public string? C { get; set; }
}

[MemoryPackable(GenerateType.VersionTolerant)]
public partial class GapMemoryPack
{
    [MemoryPackOrder(0)] public int A { get; set; }
    [MemoryPackOrder(2)] public string? C { get; set; }
}

public class OracleTests
{
    private static readonly DateTime At = new(2026, 3, 4, 5, 6, 7, DateTimeKind.Utc);
    private static readonly Guid Id = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");

    [Fact]
    public void Our_bytes_equal_memorypacks_version_tolerant_bytes()
    {
        var ours = new OrderZam { Number = 42, Name = "Dorji", Mood = Mood.Busy, At = At, Id = Id, Maybe = 7, Codes = [1, 2], Tags = ["a", "b"], Totals = new() { ["x"] = 3 }, Names = ["p", null!] };
        var theirs = new OrderMemoryPack { Number = 42, Name = "Dorji", Mood = Mood.Busy, At = At, Id = Id, Maybe = 7, Codes = [1, 2], Tags = ["a", "b"], Totals = new() { ["x"] = 3 }, Names = ["p", null!] };

        Assert.Equal(Convert.ToHexString(MemoryPackSerializer.Serialize(theirs)), Convert.ToHexString(MemoryPackSerializer.Serialize(ours)));
    }

    [Fact]
    public void Defaults_and_nulls_give_the_same_bytes_too()
    {
        Assert.Equal(Convert.ToHexString(MemoryPackSerializer.Serialize(new OrderMemoryPack())), Convert.ToHexString(MemoryPackSerializer.Serialize(new OrderZam())));
        Assert.Equal(Convert.ToHexString(MemoryPackSerializer.Serialize<OrderMemoryPack?>(null)), Convert.ToHexString(MemoryPackSerializer.Serialize<OrderZam?>(null)));
    }

    [Fact]
    public void A_retired_slot_is_written_as_memorypack_writes_a_gap()
    {
        Assert.Equal(
            Convert.ToHexString(MemoryPackSerializer.Serialize(new GapMemoryPack { A = 1, C = "c" })),
            Convert.ToHexString(MemoryPackSerializer.Serialize(new GapZam { A = 1, C = "c" })));
    }

    [Fact]
    public void Each_reads_the_others_bytes()
    {
        var theirs = new OrderMemoryPack { Number = 5, Name = "n", Tags = ["t"], Maybe = null };
        var ours = MemoryPackSerializer.Deserialize<OrderZam>(MemoryPackSerializer.Serialize(theirs))!;
        Assert.Equal((5, "n", "t", (int?)null), (ours.Number, ours.Name, ours.Tags![0], ours.Maybe));

        var back = MemoryPackSerializer.Deserialize<OrderMemoryPack>(MemoryPackSerializer.Serialize(ours))!;
        Assert.Equal((5, "n", "t"), (back.Number, back.Name, back.Tags![0]));
    }

    [Fact]
    public void Golden_bytes_of_a_contract_do_not_change()
    {
        // Committed on purpose: a MemoryPack or generator upgrade that changes these bytes breaks every stored log.
        var bytes = MemoryPackSerializer.Serialize(new GapZam { A = 1, C = "c" });
        // 03: three slots | lengths 04, 00 (retired slot 1), 09 | A = 01000000 | C: FEFFFFFF (~UTF-8 length 1),
        // 01000000 (UTF-16 length 1), 63 ('c').
        Assert.Equal("0304000901000000FEFFFFFF0100000063", Convert.ToHexString(bytes));
    }
}

using System.Buffers;
using System.Diagnostics;
using MemoryPack;
using ZamSync.Bench.Harness;

namespace ZamSync.Bench.Benchmarks;

// Twins with the same members and slots: one formatter written by the ZamSync generator, one by MemoryPack's own
// VersionTolerant generator (the oracle tests prove their bytes are equal).
[ZamEvent(1)]
public partial class BenchOrderZam
{
    [ZamMember(0)] public int Number { get; set; }
    [ZamMember(1)] public string? Name { get; set; }
    [ZamMember(2)] public DateTime At { get; set; }
    [ZamMember(3)] public Guid Id { get; set; }
    [ZamMember(4)] public long? Amount { get; set; }
    [ZamMember(5)] public int[]? Codes { get; set; }
    [ZamMember(6)] public List<string>? Tags { get; set; }
}

[MemoryPackable(GenerateType.VersionTolerant)]
public partial class BenchOrderMemoryPack
{
    [MemoryPackOrder(0)] public int Number { get; set; }
    [MemoryPackOrder(1)] public string? Name { get; set; }
    [MemoryPackOrder(2)] public DateTime At { get; set; }
    [MemoryPackOrder(3)] public Guid Id { get; set; }
    [MemoryPackOrder(4)] public long? Amount { get; set; }
    [MemoryPackOrder(5)] public int[]? Codes { get; set; }
    [MemoryPackOrder(6)] public List<string>? Tags { get; set; }
}

/// <summary>
/// Serialize and deserialize throughput of a generated ZamSync formatter against MemoryPack's own generated
/// formatter for a twin type, in the same run (ratio = ZamSync / MemoryPack, target >= 0.95).
/// </summary>
internal sealed class CodecBenchmark : IBenchmark
{
    public string Name => "codec";

    public string Description => "Generated formatter vs MemoryPack's own for a twin type: serialize and deserialize, ops/s";

    public Task<IReadOnlyList<BenchResult>> RunAsync(BenchContext context)
    {
        int operations = context.Quick ? 200_000 : 1_000_000;
        int repetitions = context.Quick ? 5 : 9;
        var at = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        var zam = new BenchOrderZam { Number = 42, Name = "order-42", At = at, Id = Guid.NewGuid(), Amount = 1234, Codes = [1, 2, 3, 4], Tags = ["a", "bb", "ccc"] };
        var mp = new BenchOrderMemoryPack { Number = 42, Name = "order-42", At = at, Id = zam.Id, Amount = 1234, Codes = [1, 2, 3, 4], Tags = ["a", "bb", "ccc"] };
        byte[] zamBytes = MemoryPackSerializer.Serialize(zam);
        byte[] mpBytes = MemoryPackSerializer.Serialize(mp);
        if (!zamBytes.AsSpan().SequenceEqual(mpBytes)) throw new InvalidOperationException("The twins' bytes differ; the comparison would be meaningless.");

        var buffer = new ArrayBufferWriter<byte>(256);
        double Serialize<T>(T value)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < operations; i++)
            {
                buffer.ResetWrittenCount();
                MemoryPackSerializer.Serialize(buffer, value);
            }
            return operations / Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        double Deserialize<T>(byte[] bytes)
        {
            T? value = default;
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < operations; i++) MemoryPackSerializer.Deserialize(bytes, ref value);
            GC.KeepAlive(value);
            return operations / Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        // Interleaved, so drift (thermal, other processes) hits both sides alike.
        var zs = new List<double>(); var ms = new List<double>(); var zd = new List<double>(); var md = new List<double>();
        for (int r = -1; r < repetitions; r++)
        {
            double a = Serialize(zam), b = Serialize(mp), c = Deserialize<BenchOrderZam>(zamBytes), d = Deserialize<BenchOrderMemoryPack>(mpBytes);
            if (r < 0) continue; // warm-up
            zs.Add(a); ms.Add(b); zd.Add(c); md.Add(d);
        }
        var (zS, mS, zD, mD) = (new Samples(zs), new Samples(ms), new Samples(zd), new Samples(md));
        context.Info($"serialize ZamSync ops/s: {zS.Describe("N0")}; MemoryPack: {mS.Describe("N0")}");
        context.Info($"deserialize ZamSync ops/s: {zD.Describe("N0")}; MemoryPack: {mD.Describe("N0")}");
        IReadOnlyList<BenchResult> results =
        [
            new BenchResult($"serialize {zamBytes.Length}-byte twin (ZamSync vs MemoryPack)", zS.Median, "ops/s", mS.Median, "ratio >= 0.95"),
            new BenchResult($"deserialize {zamBytes.Length}-byte twin (ZamSync vs MemoryPack)", zD.Median, "ops/s", mD.Median, "ratio >= 0.95"),
        ];
        return Task.FromResult(results);
    }
}

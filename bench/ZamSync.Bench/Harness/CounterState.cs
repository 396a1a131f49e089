using System.Buffers;
using System.Buffers.Binary;

namespace ZamSync.Bench.Harness;

/// <summary>A tiny snapshotable state: it counts events and sums payload bytes (so applying touches the payload).</summary>
internal sealed class CounterState : ISnapshotableState
{
    public long Count { get; private set; }

    public long PayloadBytes { get; private set; }

    public void Apply(in EventEnvelope envelope)
    {
        Count++;
        PayloadBytes += envelope.Payload.Length;
    }

    public void Reset()
    {
        Count = 0;
        PayloadBytes = 0;
    }

    public void WriteSnapshot(IBufferWriter<byte> destination)
    {
        var span = destination.GetSpan(16);
        BinaryPrimitives.WriteInt64LittleEndian(span, Count);
        BinaryPrimitives.WriteInt64LittleEndian(span[8..], PayloadBytes);
        destination.Advance(16);
    }

    public void ReadSnapshot(ReadOnlySpan<byte> snapshot)
    {
        Count = BinaryPrimitives.ReadInt64LittleEndian(snapshot);
        PayloadBytes = BinaryPrimitives.ReadInt64LittleEndian(snapshot[8..]);
    }
}

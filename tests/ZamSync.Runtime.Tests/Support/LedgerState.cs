using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace ZamSync.Tests.Support;

/// <summary>
/// A test state that remembers every applied event in order, so tests can compare fold order and
/// contents across nodes. Its hash depends on order, so two nodes with the same events in a different
/// fold order disagree.
/// </summary>
public sealed class LedgerState : ISnapshotableState
{
    private readonly List<string> _entries = new();

    public IReadOnlyList<string> Entries => _entries;

    public int Count => _entries.Count;

    public int Resets { get; private set; }

    public void Apply(in EventEnvelope envelope) =>
        _entries.Add($"{envelope.Origin}#{envelope.Sequence}:{envelope.EventType}:{Encoding.UTF8.GetString(envelope.Payload.Span)}");

    public void Reset()
    {
        _entries.Clear();
        Resets++;
    }

    public string Hash() => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", _entries))))[..16];

    public void WriteSnapshot(IBufferWriter<byte> destination)
    {
        var text = Encoding.UTF8.GetBytes(string.Join("\n", _entries));
        var span = destination.GetSpan(4 + text.Length);
        BinaryPrimitives.WriteInt32LittleEndian(span, _entries.Count);
        text.CopyTo(span[4..]);
        destination.Advance(4 + text.Length);
    }

    public void ReadSnapshot(ReadOnlySpan<byte> snapshot)
    {
        _entries.Clear();
        int count = BinaryPrimitives.ReadInt32LittleEndian(snapshot);
        if (count > 0) _entries.AddRange(Encoding.UTF8.GetString(snapshot[4..]).Split('\n'));
    }
}

/// <summary>A state that only counts, like the seed's Counter; it cannot snapshot.</summary>
public sealed class CounterState : IStateStore
{
    public int Count { get; private set; }
    public void Apply(in EventEnvelope envelope) => Count++;
    public void Reset() => Count = 0;
}

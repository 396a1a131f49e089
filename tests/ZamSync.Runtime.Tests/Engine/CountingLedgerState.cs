using System.Buffers;
using ZamSync.Tests.Support;

namespace ZamSync.Tests.Engine;

/// <summary>
/// A <see cref="LedgerState"/> that also counts how it was brought up to date: events applied one by one
/// versus snapshots read. An open that resumes from a snapshot applies nothing it did not have to.
/// </summary>
public sealed class CountingLedgerState : ISnapshotableState
{
    public LedgerState Ledger { get; } = new();
    public int Applies { get; private set; }
    public int SnapshotReads { get; private set; }
    public int Count => Ledger.Count;
    public string Hash() => Ledger.Hash();

    public void Apply(in EventEnvelope envelope)
    {
        Applies++;
        Ledger.Apply(envelope);
    }

    public void Reset() => Ledger.Reset();

    public void WriteSnapshot(IBufferWriter<byte> destination) => Ledger.WriteSnapshot(destination);

    public void ReadSnapshot(ReadOnlySpan<byte> snapshot)
    {
        SnapshotReads++;
        Ledger.ReadSnapshot(snapshot);
    }

    public static Task<ZamEngine<CountingLedgerState>> OpenAsync(string directory, ulong node, ZamEngineOptions? options = null) =>
        ZamEngine<CountingLedgerState>.OpenAsync(directory, new NodeId(node), new CountingLedgerState(), options);
}

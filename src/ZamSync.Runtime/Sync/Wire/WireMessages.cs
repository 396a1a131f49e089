namespace ZamSync.Sync.Wire;

// The session's messages as contract types: the contract generator writes their MemoryPack formatters (the
// version-tolerant object layout of docs/contracts.md), exactly as for a user's events. Slots are pinned: a slot is
// never renumbered or given another type; a new field takes a new slot (older peers skip it), a retired one leaves
// its slot empty. The ids only name the types to the generator: on the wire a message is told apart by the kind
// byte SyncMessageCodec writes before it. Texts travel as UTF-8 bytes, which the codec decodes strictly and checks
// against its limits; version vectors as two parallel arrays, origins ascending.

/// <summary>Handshake (kind 1).</summary>
[ZamEvent(1)]
internal sealed partial class HandshakeWire
{
    [ZamMember(0)] public ushort ProtocolVersion { get; set; }
    [ZamMember(1)] public ulong NodeId { get; set; }
    [ZamMember(2)] public byte Role { get; set; }
    [ZamMember(3)] public long MaxBytesToReceive { get; set; }
    [ZamMember(4)] public byte[]? ContractFingerprint { get; set; }
    [ZamMember(5)] public byte[]? ContractSchema { get; set; }
    [ZamMember(6)] public ulong[]? HoldsOrigins { get; set; }
    [ZamMember(7)] public ulong[]? HoldsSequences { get; set; }
}

/// <summary>
/// EventBatch (kind 2), column by column: event i is element i of every array, its payload the next
/// <c>PayloadLengths[i]</c> bytes of <see cref="Payloads"/> (all payloads back to back, in event order).
/// </summary>
[ZamEvent(2)]
internal sealed partial class EventBatchWire
{
    [ZamMember(0)] public ulong[]? Origins { get; set; }
    [ZamMember(1)] public ulong[]? Sequences { get; set; }
    [ZamMember(2)] public long[]? HlcPhysical { get; set; }
    [ZamMember(3)] public uint[]? HlcLogical { get; set; }
    [ZamMember(4)] public uint[]? EventTypes { get; set; }
    [ZamMember(5)] public int[]? PayloadLengths { get; set; }
    [ZamMember(6)] public byte[]? Payloads { get; set; }
}

/// <summary>SyncComplete (kind 3). Flags bit 0: the sender stopped at its byte budget; other bits are refused.</summary>
[ZamEvent(3)]
internal sealed partial class SyncCompleteWire
{
    [ZamMember(0)] public byte Flags { get; set; }
    [ZamMember(1)] public ulong[]? HoldsOrigins { get; set; }
    [ZamMember(2)] public ulong[]? HoldsSequences { get; set; }
}

/// <summary>Refuse (kind 4).</summary>
[ZamEvent(4)]
internal sealed partial class RefuseWire
{
    [ZamMember(0)] public ushort Reason { get; set; }
    [ZamMember(1)] public byte[]? Detail { get; set; }
}

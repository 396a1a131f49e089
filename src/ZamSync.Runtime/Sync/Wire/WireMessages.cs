namespace ZamSync.Sync.Wire;

// The session's messages as contract types: the contract generator writes their MemoryPack formatters (the
// version-tolerant object layout of docs/contracts.md), exactly as for a user's events. Within a protocol version
// slots are pinned: a slot is never renumbered or given another type; a new field takes a new slot (older peers
// skip it), a retired one leaves its slot empty. The ids only name the types to the generator: on the wire a message
// is told apart by the kind byte SyncMessageCodec writes before it. Texts travel as UTF-8 bytes, which the codec
// decodes strictly and checks against its limits. Integer columns and version vectors travel as varint-packed bytes
// (EventColumns, VersionVector's encoding; docs/wire-format.md).
//
// The handshake's slots 0 to 7 are frozen across protocol versions, so a peer of any version decodes any other's
// handshake and refuses it by its version number instead of failing on its layout. The other messages are only
// exchanged once both handshakes agree on the version, so a protocol version may lay them out anew (protocol 3
// did, for the batch and the completion).

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

    /// <summary>
    /// Protocol 2's version vector columns. Sent empty (a protocol-2 peer then reads a valid, empty vector and refuses
    /// the session by its version); ignored on receipt.
    /// </summary>
    [ZamMember(6)] public ulong[]? Protocol2HoldsOrigins { get; set; }

    /// <summary>See <see cref="Protocol2HoldsOrigins"/>.</summary>
    [ZamMember(7)] public ulong[]? Protocol2HoldsSequences { get; set; }

    /// <summary>What the sender holds: a version vector in its varint encoding (protocol 3).</summary>
    [ZamMember(8)] public byte[]? Holds { get; set; }

    /// <summary>
    /// <see cref="HandshakeFlags"/>: bit 0 (initiator) schema omitted, bit 1 (responder) schema requested, bit 2
    /// (responder) omitted schemas are requested. Added within protocol 3: older protocol-3 peers skip it.
    /// </summary>
    [ZamMember(9)] public byte Flags { get; set; }

    /// <summary>
    /// Frontier claims (<see cref="FrontierClaim"/>): a varint count, then per claim varints origin, sequence, stamp's
    /// physical milliseconds and logical counter. Added within protocol 3: older protocol-3 peers skip it, and a
    /// handshake without it claims nothing.
    /// </summary>
    [ZamMember(10)] public byte[]? Frontiers { get; set; }

    /// <summary>
    /// From the responder: it serves this initiator under OwnOnly and takes only the initiator's own events, so the
    /// initiator offers no other origin (its handshake vector hides them, which would otherwise look like a lack).
    /// Added within protocol 3: older protocol-3 peers skip it.
    /// </summary>
    [ZamMember(11)] public bool OwnEventsOnly { get; set; }
}

/// <summary>
/// EventBatch (kind 2): every event's origin, sequence, HLC, type and payload length packed column by column into
/// <see cref="Columns"/> (<see cref="EventColumns"/>), and all payloads back to back, in event order, in
/// <see cref="Payloads"/>.
/// </summary>
[ZamEvent(2)]
internal sealed partial class EventBatchWire
{
    [ZamMember(0)] public byte[]? Columns { get; set; }
    [ZamMember(1)] public byte[]? Payloads { get; set; }
}

/// <summary>
/// SyncComplete (kind 3). Flags bit 0: the sender stopped at its byte budget; other bits are refused. Holds: a version
/// vector in its varint encoding.
/// </summary>
[ZamEvent(3)]
internal sealed partial class SyncCompleteWire
{
    [ZamMember(0)] public byte Flags { get; set; }
    [ZamMember(1)] public byte[]? Holds { get; set; }
}

/// <summary>Refuse (kind 4).</summary>
[ZamEvent(4)]
internal sealed partial class RefuseWire
{
    [ZamMember(0)] public ushort Reason { get; set; }
    [ZamMember(1)] public byte[]? Detail { get; set; }
}

/// <summary>ContractSchema (kind 5): the initiator's contract schema, when the responder asked for it.</summary>
[ZamEvent(5)]
internal sealed partial class ContractSchemaWire
{
    [ZamMember(0)] public byte[]? Schema { get; set; }
}

namespace ZamSync.Inspection;

/// <summary>What a log record is.</summary>
public enum WalRecordType
{
    /// <summary>A domain event.</summary>
    Event = 1,

    /// <summary>The base record that starts a compacted log (what compaction dropped, and the state there).</summary>
    Base = 2,
}

/// <summary>
/// One record of a log as its header describes it, found intact (header and body checksums) by
/// <see cref="WalInspector.Scan"/>. The payload is not part of it: read it with <see cref="WalInspector.ReadPayload"/>,
/// which also checks an encrypted record's authentication tag.
/// </summary>
/// <param name="Offset">Where the record starts in the file.</param>
/// <param name="Length">The whole record's length in the file (header, stored body and trailer).</param>
/// <param name="Type">Event or base record.</param>
/// <param name="Origin">The node that wrote the event (zero for a base record).</param>
/// <param name="Sequence">The event's sequence within its origin.</param>
/// <param name="Hlc">The event's hybrid logical clock stamp.</param>
/// <param name="EventType">The contract's event type id.</param>
/// <param name="Batch">The commit batch the record was written in.</param>
/// <param name="Quarantined">Stored and forwarded but never applied: the local validator refused it.</param>
/// <param name="PayloadLength">The payload's length in bytes (without the cipher's nonce and tag).</param>
public sealed record WalRecordInfo(long Offset, int Length, WalRecordType Type, NodeId Origin, ulong Sequence, Hlc Hlc,
    uint EventType, uint Batch, bool Quarantined, int PayloadLength)
{
    /// <summary>The event's place in the fold order: HLC, then origin, then sequence.</summary>
    public EventKey Key => new(Hlc, Origin, Sequence);
}

using System.Buffers;
using System.Text;
using MemoryPack;
using ZamSync.Sync.Wire;

namespace ZamSync.Sync;

/// <summary>
/// The session's messages on the wire (docs/protocol.md): a kind byte, then the message as a MemoryPack
/// version-tolerant object written and read by the formatters the contract generator makes for the types in
/// <c>Sync/Wire</c>. Decoding is defensive: any failure of the reader is a <see cref="SyncProtocolException"/>, every
/// array is checked against the bytes actually present before it is allocated (so a hostile message costs about its
/// own size), and the decoded fields are validated (identity, role, budget, text limits, vectors, batch shape).
/// </summary>
public static class SyncMessageCodec
{
    /// <summary>2: the messages became MemoryPack version-tolerant objects (1 was a hand-written layout).</summary>
    public const ushort ProtocolVersion = 2;

    /// <summary>Most entries accepted in a received version vector.</summary>
    public const int MaxVectorEntries = 1 << 20;

    /// <summary>Most events accepted in one received batch.</summary>
    public const int MaxBatchEvents = 4096;

    /// <summary>Longest contract fingerprint a handshake carries, in UTF-8 bytes.</summary>
    public const int MaxFingerprintBytes = 1024;

    /// <summary>Longest contract schema a handshake carries, in UTF-8 bytes.</summary>
    public const int MaxSchemaBytes = 256 * 1024;

    /// <summary>
    /// Longest message decoded at all (transports cap frames lower). It also keeps every array's byte count
    /// (elements × element size, each element count already bounded by the bytes present) far from overflowing.
    /// </summary>
    public const int MaxMessageBytes = 64 * 1024 * 1024;

    private const int MaxDetailBytes = 4096;

    // An unmanaged array is a 4-byte count and its elements.
    private const int ArrayHeader = 4;

    // The most a slot length takes (MemoryPack's varint: a type byte and 4 bytes for an int beyond 16 bits).
    private const int MaxSlotLength = 5;

    private const int BatchSlots = 7;

    /// <summary>
    /// Bytes one event adds to a batch: origin, sequence, HLC physical (8 each), HLC logical, event type and payload
    /// length (4 each), and the payload. Exact, so an upper bound.
    /// </summary>
    public static int EventSize(in EventEnvelope e) => 8 + 8 + 8 + 4 + 4 + 4 + e.Payload.Length;

    /// <summary>
    /// An upper bound of a batch's bytes besides its events: the kind, the object header, the slot lengths at their
    /// widest and the arrays' counts. A batch takes at most this plus the <see cref="EventSize"/> of each event.
    /// </summary>
    public const int BatchHeaderSize = 1 + 1 + BatchSlots * MaxSlotLength + BatchSlots * ArrayHeader;

    /// <summary>An upper bound of the bytes of a <see cref="SyncCompleteMessage"/> over <paramref name="origins"/> origins.</summary>
    public static int SyncCompleteSize(int origins) => 1 + 1 + 3 * MaxSlotLength + 1 + 2 * (ArrayHeader + 8 * origins);

    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    static SyncMessageCodec()
    {
        // The runtime has no generated registry (ZamSyncEmitRegistry=false in its project): register here.
        MemoryPackFormatterProvider.Register(new HandshakeWire.__ZamFormatter());
        MemoryPackFormatterProvider.Register(new EventBatchWire.__ZamFormatter());
        MemoryPackFormatterProvider.Register(new SyncCompleteWire.__ZamFormatter());
        MemoryPackFormatterProvider.Register(new RefuseWire.__ZamFormatter());
    }

    public static void Write(SyncMessage message, IBufferWriter<byte> output)
    {
        switch (message)
        {
            case HandshakeMessage h:
                var (origins, sequences) = Columns(h.Holds);
                Write(output, SyncMessageKind.Handshake, new HandshakeWire
                {
                    ProtocolVersion = h.ProtocolVersion,
                    NodeId = h.NodeId.Value,
                    Role = (byte)h.Role,
                    MaxBytesToReceive = h.MaxBytesToReceive,
                    ContractFingerprint = Encoding.UTF8.GetBytes(h.ContractFingerprint),
                    ContractSchema = Encoding.UTF8.GetBytes(h.ContractSchema),
                    HoldsOrigins = origins,
                    HoldsSequences = sequences,
                });
                break;
            case EventBatchMessage b:
                Write(output, SyncMessageKind.EventBatch, ToWire(b.Events));
                break;
            case SyncCompleteMessage c:
                var (completeOrigins, completeSequences) = Columns(c.Holds);
                Write(output, SyncMessageKind.SyncComplete, new SyncCompleteWire
                {
                    Flags = c.BudgetExhausted ? (byte)1 : (byte)0,
                    HoldsOrigins = completeOrigins,
                    HoldsSequences = completeSequences,
                });
                break;
            case RefuseMessage r:
                Write(output, SyncMessageKind.Refuse, new RefuseWire { Reason = (ushort)r.Reason, Detail = DetailBytes(r.Detail) });
                break;
            default:
                throw new ArgumentException($"Unknown message {message.GetType().Name}.", nameof(message));
        }
    }

    public static byte[] ToBytes(SyncMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Write(message, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private static void Write<T>(IBufferWriter<byte> output, SyncMessageKind kind, T wire)
    {
        output.GetSpan(1)[0] = (byte)kind;
        output.Advance(1);
        MemoryPackSerializer.Serialize(output, wire);
    }

    private static EventBatchWire ToWire(IReadOnlyList<EventEnvelope> events)
    {
        if (events.Count > ushort.MaxValue) throw new ArgumentException("Too many events for one batch.", nameof(events));
        int count = events.Count;
        var wire = new EventBatchWire
        {
            Origins = new ulong[count],
            Sequences = new ulong[count],
            HlcPhysical = new long[count],
            HlcLogical = new uint[count],
            EventTypes = new uint[count],
            PayloadLengths = new int[count],
        };
        long total = 0;
        for (int i = 0; i < count; i++) total += events[i].Payload.Length;
        var payloads = new byte[total];
        int offset = 0;
        for (int i = 0; i < count; i++)
        {
            var e = events[i];
            wire.Origins[i] = e.Origin.Value;
            wire.Sequences[i] = e.Sequence;
            wire.HlcPhysical[i] = e.Hlc.Physical;
            wire.HlcLogical[i] = e.Hlc.Logical;
            wire.EventTypes[i] = e.EventType;
            wire.PayloadLengths[i] = e.Payload.Length;
            e.Payload.Span.CopyTo(payloads.AsSpan(offset));
            offset += e.Payload.Length;
        }
        wire.Payloads = payloads;
        return wire;
    }

    private static (ulong[] Origins, ulong[] Sequences) Columns(VersionVector vector)
    {
        var origins = new ulong[vector.Count];
        var sequences = new ulong[vector.Count];
        int i = 0;
        foreach (var (origin, sequence) in vector) // ascending by origin
        {
            origins[i] = origin.Value;
            sequences[i] = sequence;
            i++;
        }
        return (origins, sequences);
    }

    private static byte[] DetailBytes(string detail)
    {
        var bytes = Encoding.UTF8.GetBytes(detail);
        if (bytes.Length <= MaxDetailBytes) return bytes;
        // Cut at a character boundary: the reader decodes strictly, and half a character would turn the refusal
        // into a malformed message.
        int cut = MaxDetailBytes;
        while (cut > 0 && (bytes[cut] & 0xC0) == 0x80) cut--;
        return bytes[..cut];
    }

    /// <summary>
    /// Decodes one message. Event payloads are slices of one array the batch's payloads are copied into, independent
    /// of <paramref name="message"/>'s memory. Throws <see cref="SyncProtocolException"/> on anything malformed.
    /// </summary>
    public static SyncMessage Read(ReadOnlyMemory<byte> message)
    {
        var span = message.Span;
        if (span.IsEmpty) throw Malformed("an empty message");
        if (span.Length > MaxMessageBytes) throw Malformed($"a message of {span.Length} bytes (at most {MaxMessageBytes})");
        var body = span[1..];
        try
        {
            return (SyncMessageKind)span[0] switch
            {
                SyncMessageKind.Handshake => ReadHandshake(Deserialize<HandshakeWire>(body, "handshake")),
                SyncMessageKind.EventBatch => ReadBatch(Deserialize<EventBatchWire>(body, "batch")),
                SyncMessageKind.SyncComplete => ReadComplete(Deserialize<SyncCompleteWire>(body, "completion")),
                SyncMessageKind.Refuse => ReadRefuse(Deserialize<RefuseWire>(body, "refusal")),
                var kind => throw Malformed($"unknown message kind {(byte)kind}"),
            };
        }
        catch (DecoderFallbackException)
        {
            throw Malformed("text that is not UTF-8");
        }
    }

    /// <summary>Runs the generated formatter; whatever it throws on bad bytes becomes a protocol error.</summary>
    private static T Deserialize<T>(ReadOnlySpan<byte> body, string what) where T : class
    {
        T? wire = null;
        int read;
        try
        {
            read = MemoryPackSerializer.Deserialize(body, ref wire);
        }
        // What MemoryPack's reader and the generated formatters throw on bytes that are not a valid object: the
        // reader's own exception (truncation, a length beyond the bytes, an unknown varint code, a negative slot
        // length), an overflowing varint, a negative array count (rejected by the array allocation), and a span
        // sliced beyond its end.
        catch (MemoryPackSerializationException ex)
        {
            throw Malformed($"a {what} MemoryPack cannot read ({ex.Message})");
        }
        catch (OverflowException)
        {
            throw Malformed($"a {what} with an impossible count or length");
        }
        catch (ArgumentException)
        {
            throw Malformed($"a {what} shorter than its fields");
        }
        catch (IndexOutOfRangeException)
        {
            throw Malformed($"a {what} shorter than its fields");
        }
        if (wire is null) throw Malformed($"a null {what}");
        if (read != body.Length) throw Malformed($"trailing bytes after a {what}");
        return wire;
    }

    private static HandshakeMessage ReadHandshake(HandshakeWire w)
    {
        var node = new NodeId(w.NodeId);
        if (node.IsEmpty) throw Malformed("a handshake without a node id");
        var role = (SyncRole)w.Role;
        if (role is not (SyncRole.Initiator or SyncRole.Responder)) throw Malformed($"unknown role {w.Role}");
        if (w.MaxBytesToReceive < 0) throw Malformed("a negative byte budget");
        string fingerprint = Text(w.ContractFingerprint, MaxFingerprintBytes, "contract fingerprint");
        string schema = Text(w.ContractSchema, MaxSchemaBytes, "contract schema");
        var holds = Vector(w.HoldsOrigins, w.HoldsSequences);
        return new HandshakeMessage(w.ProtocolVersion, node, role, fingerprint, w.MaxBytesToReceive, holds, schema);
    }

    private static EventBatchMessage ReadBatch(EventBatchWire w)
    {
        if (w.Origins is not { } origins || w.Sequences is not { } sequences || w.HlcPhysical is not { } physical
            || w.HlcLogical is not { } logical || w.EventTypes is not { } types || w.PayloadLengths is not { } lengths
            || w.Payloads is not { } payloads)
            throw Malformed("a batch missing a column");
        int count = origins.Length;
        if (count > MaxBatchEvents) throw Malformed($"a batch of {count} events (at most {MaxBatchEvents})");
        if (sequences.Length != count || physical.Length != count || logical.Length != count || types.Length != count || lengths.Length != count)
            throw Malformed("a batch whose columns differ in length");
        long total = 0;
        foreach (int length in lengths)
        {
            if (length < 0) throw Malformed($"a payload of {length} bytes");
            total += length;
        }
        if (total != payloads.Length) throw Malformed($"payloads of {total} bytes in {payloads.Length}");
        var events = new EventEnvelope[count];
        int offset = 0;
        for (int i = 0; i < count; i++)
        {
            events[i] = new EventEnvelope(new NodeId(origins[i]), sequences[i], new Hlc(physical[i], logical[i]), types[i],
                new ReadOnlyMemory<byte>(payloads, offset, lengths[i]));
            offset += lengths[i];
        }
        return new EventBatchMessage(events);
    }

    private static SyncCompleteMessage ReadComplete(SyncCompleteWire w)
    {
        if (w.Flags > 1) throw Malformed("bad completion flags");
        return new SyncCompleteMessage(w.Flags == 1, Vector(w.HoldsOrigins, w.HoldsSequences));
    }

    private static RefuseMessage ReadRefuse(RefuseWire w) =>
        new((RefuseReason)w.Reason, Text(w.Detail, MaxDetailBytes, "refusal detail"));

    private static string Text(byte[]? utf8, int max, string what)
    {
        if (utf8 is null) throw Malformed($"a missing {what}");
        if (utf8.Length > max) throw Malformed($"a {what} of {utf8.Length} bytes (at most {max})");
        return StrictUtf8.GetString(utf8);
    }

    /// <summary>A version vector from its columns: as many sequences as origins, origins ascending and non-zero, sequences non-zero.</summary>
    private static VersionVector Vector(ulong[]? origins, ulong[]? sequences)
    {
        if (origins is null || sequences is null) throw Malformed("a version vector missing a column");
        if (origins.Length != sequences.Length) throw Malformed("a version vector whose columns differ in length");
        if (origins.Length > MaxVectorEntries) throw Malformed($"a version vector of {origins.Length} entries");
        ulong previous = 0;
        for (int i = 0; i < origins.Length; i++)
        {
            if (origins[i] <= previous || sequences[i] == 0) throw Malformed("a malformed version vector");
            previous = origins[i];
        }
        var vector = new VersionVector();
        for (int i = 0; i < origins.Length; i++) vector.Advance(new NodeId(origins[i]), sequences[i]);
        return vector;
    }

    private static SyncProtocolException Malformed(string what) => new($"The peer sent a malformed message: {what}.");
}

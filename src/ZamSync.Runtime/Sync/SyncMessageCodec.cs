using System.Buffers;
using System.Text;
using MemoryPack;
using ZamSync.Sync.Wire;

namespace ZamSync.Sync;

/// <summary>
/// The session's messages on the wire (docs/protocol.md): a kind byte, then the message as a MemoryPack
/// version-tolerant object written and read by the formatters the contract generator makes for the types in
/// <c>Sync/Wire</c>; integer columns and version vectors inside them are varint-packed bytes. Decoding is defensive:
/// any failure of the reader is a <see cref="SyncProtocolException"/>, every array and count is checked against the
/// bytes actually present before it is allocated (so a hostile message costs about its own size), and the decoded
/// fields are validated (identity, role, budget, text limits, vectors, batch shape).
/// </summary>
internal static class SyncMessageCodec
{
    /// <summary>
    /// 3: event columns and version vectors became varint-packed bytes (2 wrote them as fixed-width arrays; 1 was a
    /// hand-written layout). The handshake keeps protocol 2's slots, so peers of either version refuse each other by
    /// this number.
    /// </summary>
    public const ushort ProtocolVersion = 3;

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

    // A byte array is a 4-byte count and its bytes.
    private const int ArrayHeader = 4;

    /// <summary>
    /// The exact size of a batch whose event columns take <paramref name="columnBytes"/> and whose payloads take
    /// <paramref name="payloadBytes"/>: the kind, the object header (2 slots), two slot lengths, two byte arrays.
    /// </summary>
    internal static long EventBatchSize(int columnBytes, long payloadBytes) =>
        1 + 1 + SlotLength(ArrayHeader + columnBytes) + SlotLength(ArrayHeader + payloadBytes) + ArrayHeader + columnBytes + ArrayHeader + payloadBytes;

    /// <summary>The exact size of an <see cref="EventBatchMessage"/> of <paramref name="events"/>.</summary>
    public static long EventBatchSize(IReadOnlyList<EventEnvelope> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var columns = new EventColumns();
        foreach (var e in events) columns.Add(e);
        return EventBatchSize(columns.Size, columns.PayloadBytes);
    }

    /// <summary>
    /// The exact size of a <see cref="SyncCompleteMessage"/> holding <paramref name="holds"/> (either flag): the kind,
    /// the object header (2 slots), two slot lengths, the flags byte, the vector as a byte array.
    /// </summary>
    public static int SyncCompleteSize(VersionVector holds)
    {
        ArgumentNullException.ThrowIfNull(holds);
        int vector = holds.EncodedSize;
        return 1 + 1 + 1 + SlotLength(ArrayHeader + vector) + 1 + ArrayHeader + vector;
    }

    // MemoryPack writes a slot length as a varint of its own: one byte up to 127, a code byte and an i16 up to
    // 32767, a code byte and an i32 beyond.
    private static int SlotLength(long length) => length <= 127 ? 1 : length <= short.MaxValue ? 3 : 5;

    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    static SyncMessageCodec()
    {
        // The runtime has no generated registry (ZamSyncEmitRegistry=false in its project): register here.
        MemoryPackFormatterProvider.Register(new HandshakeWire.__ZamFormatter());
        MemoryPackFormatterProvider.Register(new EventBatchWire.__ZamFormatter());
        MemoryPackFormatterProvider.Register(new SyncCompleteWire.__ZamFormatter());
        MemoryPackFormatterProvider.Register(new RefuseWire.__ZamFormatter());
        MemoryPackFormatterProvider.Register(new ContractSchemaWire.__ZamFormatter());
    }

    public static void Write(SyncMessage message, IBufferWriter<byte> output)
    {
        switch (message)
        {
            case HandshakeMessage h:
                Write(output, SyncMessageKind.Handshake, new HandshakeWire
                {
                    ProtocolVersion = h.ProtocolVersion,
                    NodeId = h.NodeId.Value,
                    Role = (byte)h.Role,
                    MaxBytesToReceive = h.MaxBytesToReceive,
                    ContractFingerprint = Encoding.UTF8.GetBytes(h.ContractFingerprint),
                    ContractSchema = Encoding.UTF8.GetBytes(h.ContractSchema),
                    Protocol2HoldsOrigins = [],
                    Protocol2HoldsSequences = [],
                    Holds = h.Holds.ToBytes(),
                    Flags = (byte)h.Flags,
                    Frontiers = h.Frontiers.Count == 0 ? [] : FrontierClaim.Encode([.. h.Frontiers]),
                    OwnEventsOnly = h.OwnEventsOnly,
                });
                break;
            case EventBatchMessage b:
                Write(output, SyncMessageKind.EventBatch, ToWire(b.Events));
                break;
            case SyncCompleteMessage c:
                Write(output, SyncMessageKind.SyncComplete, new SyncCompleteWire
                {
                    Flags = c.BudgetExhausted ? (byte)1 : (byte)0,
                    Holds = c.Holds.ToBytes(),
                });
                break;
            case ContractSchemaMessage c:
                Write(output, SyncMessageKind.ContractSchema, new ContractSchemaWire { Schema = Encoding.UTF8.GetBytes(c.Schema) });
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
        var columns = new EventColumns();
        for (int i = 0; i < events.Count; i++) columns.Add(events[i]);
        return ToWire(columns, events);
    }

    /// <summary>
    /// Writes a batch of <paramref name="events"/> whose <paramref name="columns"/> the caller has built from exactly
    /// those events, in order (the session does, to budget the batch), so they are not computed twice.
    /// </summary>
    internal static void WriteBatch(IBufferWriter<byte> output, EventColumns columns, IReadOnlyList<EventEnvelope> events)
    {
        if (columns.Count != events.Count) throw new ArgumentException("The columns were built from other events.", nameof(columns));
        Write(output, SyncMessageKind.EventBatch, ToWire(columns, events));
    }

    private static EventBatchWire ToWire(EventColumns columns, IReadOnlyList<EventEnvelope> events)
    {
        if (events.Count > ushort.MaxValue) throw new ArgumentException("Too many events for one batch.", nameof(events));
        var payloads = new byte[columns.PayloadBytes];
        int offset = 0;
        for (int i = 0; i < events.Count; i++)
        {
            var payload = events[i].Payload.Span;
            payload.CopyTo(payloads.AsSpan(offset));
            offset += payload.Length;
        }
        return new EventBatchWire { Columns = columns.ToArray(), Payloads = payloads };
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
                SyncMessageKind.ContractSchema => new ContractSchemaMessage(Text(Deserialize<ContractSchemaWire>(body, "contract schema message").Schema, MaxSchemaBytes, "contract schema")),
                var kind => throw Malformed($"unknown message kind {(byte)kind}"),
            };
        }
        catch (DecoderFallbackException)
        {
            throw Malformed("text that is not UTF-8");
        }
    }

    /// <summary>Runs the generated formatter; whatever it throws on bad bytes becomes a protocol error.</summary>
    private static T Deserialize<[System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.All)] T>(ReadOnlySpan<byte> body, string what) where T : class
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
        // Another version's vector has another layout (protocol 2's is in slots 6 and 7): leave it unread, so the
        // session refuses the peer by its version rather than as malformed.
        var holds = w.ProtocolVersion == ProtocolVersion ? Vector(w.Holds) : new VersionVector();
        var flags = w.ProtocolVersion == ProtocolVersion ? Flags(w.Flags, role, schema) : HandshakeFlags.None;
        var frontiers = w.ProtocolVersion == ProtocolVersion
            ? FrontierClaim.TryDecode(w.Frontiers) ?? throw Malformed("malformed frontier claims")
            : [];
        if (w.OwnEventsOnly && role != SyncRole.Responder) throw Malformed("an initiator asking for its peer's own events only");
        return new HandshakeMessage(w.ProtocolVersion, node, role, fingerprint, w.MaxBytesToReceive, holds, schema, flags)
        {
            Frontiers = frontiers,
            OwnEventsOnly = w.ProtocolVersion == ProtocolVersion && w.OwnEventsOnly,
        };
    }

    /// <summary>The handshake's flags: only known bits, each from the role that may send it; an omitted schema is empty.</summary>
    private static HandshakeFlags Flags(byte bits, SyncRole role, string schema)
    {
        var flags = (HandshakeFlags)bits;
        var allowed = role == SyncRole.Initiator ? HandshakeFlags.SchemaOmitted | HandshakeFlags.Probe : HandshakeFlags.SchemaRequested | HandshakeFlags.CanRequestSchema;
        if ((flags & ~allowed) != 0) throw Malformed($"handshake flags {bits} from the {role.ToString().ToLowerInvariant()}");
        if (flags.HasFlag(HandshakeFlags.SchemaOmitted) && schema.Length > 0) throw Malformed("a handshake omitting a schema it carries");
        return flags;
    }

    private static EventBatchMessage ReadBatch(EventBatchWire w)
    {
        if (w.Columns is not { } columns || w.Payloads is not { } payloads) throw Malformed("a batch missing a column");
        return new EventBatchMessage(EventColumns.Read(columns, payloads, MaxBatchEvents));
    }

    private static SyncCompleteMessage ReadComplete(SyncCompleteWire w)
    {
        if (w.Flags > 1) throw Malformed("bad completion flags");
        return new SyncCompleteMessage(w.Flags == 1, Vector(w.Holds));
    }

    private static RefuseMessage ReadRefuse(RefuseWire w) =>
        new((RefuseReason)w.Reason, Text(w.Detail, MaxDetailBytes, "refusal detail"));

    private static string Text(byte[]? utf8, int max, string what)
    {
        if (utf8 is null) throw Malformed($"a missing {what}");
        if (utf8.Length > max) throw Malformed($"a {what} of {utf8.Length} bytes (at most {max})");
        return StrictUtf8.GetString(utf8);
    }

    /// <summary>
    /// A version vector from its varint encoding (<see cref="VersionVector.Encode"/>): at most
    /// <see cref="MaxVectorEntries"/> entries, origins ascending and non-zero, sequences non-zero, nothing after it.
    /// </summary>
    private static VersionVector Vector(byte[]? bytes)
    {
        if (bytes is null) throw Malformed("a missing version vector");
        if (!VersionVector.TryDecode(bytes, MaxVectorEntries, out var vector, out int read)) throw Malformed("a malformed version vector");
        if (read != bytes.Length) throw Malformed("trailing bytes after a version vector");
        return vector;
    }

    internal static SyncProtocolException Malformed(string what) => new($"The peer sent a malformed message: {what}.");
}

using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace ZamSync.Sync;

/// <summary>
/// Binary layout of the session's messages (docs/protocol.md). Decoding is defensive: every count and
/// length is checked against the bytes actually present before anything is allocated, so a hostile
/// message costs at most its own size.
/// </summary>
public static class SyncMessageCodec
{
    public const ushort ProtocolVersion = 1;

    /// <summary>Most entries accepted in a received version vector.</summary>
    public const int MaxVectorEntries = 1 << 20;

    /// <summary>Most events accepted in one received batch.</summary>
    public const int MaxBatchEvents = 4096;

    /// <summary>Longest contract fingerprint a handshake carries, in UTF-8 bytes.</summary>
    public const int MaxFingerprintBytes = 1024;

    /// <summary>Longest contract schema a handshake carries, in UTF-8 bytes.</summary>
    public const int MaxSchemaBytes = 256 * 1024;

    private const int MaxDetailBytes = 4096;

    /// <summary>Bytes one event takes inside a batch.</summary>
    public static int EventSize(in EventEnvelope e) =>
        8 + Varint.SizeOf(e.Sequence) + 8 + 4 + 4 + Varint.SizeOf((ulong)e.Payload.Length) + e.Payload.Length;

    /// <summary>Bytes of a batch header (kind and a u16 count).</summary>
    public const int BatchHeaderSize = 3;

    public static void Write(SyncMessage message, IBufferWriter<byte> output)
    {
        switch (message)
        {
            case HandshakeMessage h: WriteHandshake(h, output); break;
            case EventBatchMessage b: WriteBatch(b.Events, output); break;
            case SyncCompleteMessage c: WriteComplete(c, output); break;
            case RefuseMessage r: WriteRefuse(r, output); break;
            default: throw new ArgumentException($"Unknown message {message.GetType().Name}.", nameof(message));
        }
    }

    public static byte[] ToBytes(SyncMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Write(message, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteHandshake(HandshakeMessage h, IBufferWriter<byte> output)
    {
        int fingerprintLength = Encoding.UTF8.GetByteCount(h.ContractFingerprint);
        int schemaLength = Encoding.UTF8.GetByteCount(h.ContractSchema);
        int size = 1 + 2 + 8 + 1 + 8 + Varint.SizeOf((ulong)fingerprintLength) + fingerprintLength
            + Varint.SizeOf((ulong)schemaLength) + schemaLength + h.Holds.EncodedSize;
        var span = output.GetSpan(size);
        span[0] = (byte)SyncMessageKind.Handshake;
        BinaryPrimitives.WriteUInt16LittleEndian(span[1..], h.ProtocolVersion);
        BinaryPrimitives.WriteUInt64LittleEndian(span[3..], h.NodeId.Value);
        span[11] = (byte)h.Role;
        BinaryPrimitives.WriteInt64LittleEndian(span[12..], h.MaxBytesToReceive);
        int offset = 20 + Varint.Write(span[20..], (ulong)fingerprintLength);
        offset += Encoding.UTF8.GetBytes(h.ContractFingerprint, span[offset..]);
        offset += Varint.Write(span[offset..], (ulong)schemaLength);
        offset += Encoding.UTF8.GetBytes(h.ContractSchema, span[offset..]);
        offset += h.Holds.Encode(span[offset..]);
        output.Advance(offset);
    }

    private static void WriteBatch(IReadOnlyList<EventEnvelope> events, IBufferWriter<byte> output)
    {
        if (events.Count > ushort.MaxValue) throw new ArgumentException("Too many events for one batch.", nameof(events));
        var header = output.GetSpan(BatchHeaderSize);
        header[0] = (byte)SyncMessageKind.EventBatch;
        BinaryPrimitives.WriteUInt16LittleEndian(header[1..], (ushort)events.Count);
        output.Advance(BatchHeaderSize);
        foreach (var e in events) WriteEvent(e, output);
    }

    /// <summary>Appends one event in batch layout.</summary>
    public static void WriteEvent(in EventEnvelope e, IBufferWriter<byte> output)
    {
        int size = EventSize(e);
        var span = output.GetSpan(size);
        BinaryPrimitives.WriteUInt64LittleEndian(span, e.Origin.Value);
        int offset = 8 + Varint.Write(span[8..], e.Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(span[offset..], e.Hlc.Physical);
        BinaryPrimitives.WriteUInt32LittleEndian(span[(offset + 8)..], e.Hlc.Logical);
        BinaryPrimitives.WriteUInt32LittleEndian(span[(offset + 12)..], e.EventType);
        offset += 16;
        offset += Varint.Write(span[offset..], (ulong)e.Payload.Length);
        e.Payload.Span.CopyTo(span[offset..]);
        output.Advance(offset + e.Payload.Length);
    }

    private static void WriteComplete(SyncCompleteMessage c, IBufferWriter<byte> output)
    {
        var span = output.GetSpan(2 + c.Holds.EncodedSize);
        span[0] = (byte)SyncMessageKind.SyncComplete;
        span[1] = c.BudgetExhausted ? (byte)1 : (byte)0;
        output.Advance(2 + c.Holds.Encode(span[2..]));
    }

    private static void WriteRefuse(RefuseMessage r, IBufferWriter<byte> output)
    {
        var detail = Encoding.UTF8.GetBytes(r.Detail);
        if (detail.Length > MaxDetailBytes)
        {
            // Cut at a character boundary: the reader decodes strictly, and half a character would turn
            // the refusal into a malformed message.
            int cut = MaxDetailBytes;
            while (cut > 0 && (detail[cut] & 0xC0) == 0x80) cut--;
            detail = detail[..cut];
        }
        var span = output.GetSpan(3 + Varint.MaxLength + detail.Length);
        span[0] = (byte)SyncMessageKind.Refuse;
        BinaryPrimitives.WriteUInt16LittleEndian(span[1..], (ushort)r.Reason);
        int offset = 3 + Varint.Write(span[3..], (ulong)detail.Length);
        detail.CopyTo(span[offset..]);
        output.Advance(offset + detail.Length);
    }

    /// <summary>
    /// Decodes one message. Event payloads point into <paramref name="message"/>: they are valid as long as
    /// its memory is. Throws <see cref="SyncProtocolException"/> on anything malformed.
    /// </summary>
    public static SyncMessage Read(ReadOnlyMemory<byte> message)
    {
        var span = message.Span;
        if (span.IsEmpty) throw Malformed("an empty message");
        try
        {
            return (SyncMessageKind)span[0] switch
            {
                SyncMessageKind.Handshake => ReadHandshake(span),
                SyncMessageKind.EventBatch => ReadBatch(message),
                SyncMessageKind.SyncComplete => ReadComplete(span),
                SyncMessageKind.Refuse => ReadRefuse(span),
                var kind => throw Malformed($"unknown message kind {(byte)kind}"),
            };
        }
        catch (ArgumentOutOfRangeException)
        {
            throw Malformed("a message shorter than its fields");
        }
        catch (DecoderFallbackException)
        {
            throw Malformed("text that is not UTF-8");
        }
    }

    private static HandshakeMessage ReadHandshake(ReadOnlySpan<byte> span)
    {
        if (span.Length < 21) throw Malformed("a truncated handshake");
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(span[1..]);
        var node = new NodeId(BinaryPrimitives.ReadUInt64LittleEndian(span[3..]));
        var role = (SyncRole)span[11];
        if (role is not (SyncRole.Initiator or SyncRole.Responder)) throw Malformed($"unknown role {(byte)role}");
        long maxBytes = BinaryPrimitives.ReadInt64LittleEndian(span[12..]);
        if (maxBytes < 0) throw Malformed("a negative byte budget");
        int offset = 20;
        string fingerprint = ReadText(span, ref offset, MaxFingerprintBytes);
        string schema = ReadText(span, ref offset, MaxSchemaBytes);
        var holds = ReadVector(span[offset..], out int used);
        if (offset + used != span.Length) throw Malformed("trailing bytes after a handshake");
        if (node.IsEmpty) throw Malformed("a handshake without a node id");
        return new HandshakeMessage(version, node, role, fingerprint, maxBytes, holds, schema);
    }

    private static EventBatchMessage ReadBatch(ReadOnlyMemory<byte> message)
    {
        var span = message.Span;
        if (span.Length < BatchHeaderSize) throw Malformed("a truncated batch header");
        int count = BinaryPrimitives.ReadUInt16LittleEndian(span[1..]);
        if (count > MaxBatchEvents) throw Malformed($"a batch of {count} events (at most {MaxBatchEvents})");
        // Each event takes at least 26 bytes: refuse a count the bytes cannot hold before allocating.
        if (count * 26L > span.Length - BatchHeaderSize) throw Malformed($"a batch claiming {count} events in {span.Length} bytes");
        var events = new EventEnvelope[count];
        int offset = BatchHeaderSize;
        for (int i = 0; i < count; i++)
        {
            if (span.Length - offset < 8) throw Malformed("a truncated event");
            var origin = new NodeId(BinaryPrimitives.ReadUInt64LittleEndian(span[offset..]));
            offset += 8;
            if (!Varint.TryRead(span[offset..], out ulong seq, out int n)) throw Malformed("a bad sequence number");
            offset += n;
            if (span.Length - offset < 16) throw Malformed("a truncated event");
            var hlc = new Hlc(BinaryPrimitives.ReadInt64LittleEndian(span[offset..]), BinaryPrimitives.ReadUInt32LittleEndian(span[(offset + 8)..]));
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(span[(offset + 12)..]);
            offset += 16;
            if (!Varint.TryRead(span[offset..], out ulong length, out n)) throw Malformed("a bad payload length");
            offset += n;
            if (length > (ulong)(span.Length - offset)) throw Malformed($"a payload of {length} bytes with {span.Length - offset} left");
            events[i] = new EventEnvelope(origin, seq, hlc, type, message.Slice(offset, (int)length));
            offset += (int)length;
        }
        if (offset != span.Length) throw Malformed("trailing bytes after a batch");
        return new EventBatchMessage(events);
    }

    private static SyncCompleteMessage ReadComplete(ReadOnlySpan<byte> span)
    {
        if (span.Length < 3) throw Malformed("a truncated completion");
        if (span[1] > 1) throw Malformed("bad completion flags");
        var holds = ReadVector(span[2..], out int used);
        if (2 + used != span.Length) throw Malformed("trailing bytes after a completion");
        return new SyncCompleteMessage(span[1] == 1, holds);
    }

    private static RefuseMessage ReadRefuse(ReadOnlySpan<byte> span)
    {
        if (span.Length < 4) throw Malformed("a truncated refusal");
        var reason = (RefuseReason)BinaryPrimitives.ReadUInt16LittleEndian(span[1..]);
        int offset = 3;
        string detail = ReadText(span, ref offset, MaxDetailBytes);
        return new RefuseMessage(reason, detail);
    }

    private static string ReadText(ReadOnlySpan<byte> span, ref int offset, int max)
    {
        if (!Varint.TryRead(span[offset..], out ulong length, out int n)) throw Malformed("a bad text length");
        offset += n;
        if (length > (ulong)max || length > (ulong)(span.Length - offset)) throw Malformed($"a text of {length} bytes");
        var text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(span.Slice(offset, (int)length));
        offset += (int)length;
        return text;
    }

    private static VersionVector ReadVector(ReadOnlySpan<byte> span, out int used) =>
        VersionVector.TryDecode(span, MaxVectorEntries, out var vector, out used) ? vector : throw Malformed("a malformed version vector");

    private static SyncProtocolException Malformed(string what) => new($"The peer sent a malformed message: {what}.");
}

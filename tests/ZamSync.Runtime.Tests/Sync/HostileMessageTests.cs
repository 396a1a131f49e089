using System.Runtime.CompilerServices;
using System.Text;
using CsCheck;
using MemoryPack;
using ZamSync.Sync;
using ZamSync.Sync.Wire;
using ZamSync.Tests.Core;
using ZamSync.Tests.Support;
using ZamSync.Testing;

namespace ZamSync.Tests.Sync;

/// <summary>
/// Whatever a peer sends, decoding fails only with <see cref="SyncProtocolException"/> and costs at most about
/// the size of the message; a batch that would leave a hole in an origin's sequence is refused.
/// </summary>
public class HostileMessageTests
{
    // ---- generators -----------------------------------------------------------------------------------------

    private static readonly Gen<EventEnvelope> GenEvent =
        Gen.Select(Gen.ULong[0, 5], Gen.ULong[0, 100_000], Gen.Long, Gen.UInt, Gen.UInt[0, 5], Gen.Byte.Array[0, 40])
            .Select((origin, seq, physical, logical, type, payload) => new EventEnvelope(new NodeId(origin), seq, new Hlc(physical, logical), type, payload));

    private static readonly Gen<string> GenText = Gen.OneOf(
        Gen.String[0, 40],
        Gen.OneOfConst("", "contract-v1", "ünïcødé ✓ 漢字", new string('x', 1024)));

    private static readonly Gen<SyncMessage> GenMessage = Gen.OneOf<SyncMessage>(
        Gen.Select(Gen.Frequency((3, Gen.Const(SyncMessageCodec.ProtocolVersion)), (1, Gen.UShort)), Gen.ULong[1, ulong.MaxValue], Gen.OneOfConst(SyncRole.Initiator, SyncRole.Responder), GenText, Gen.Long[0, long.MaxValue], CorePropertyTests.GenVector, Gen.Byte)
            .Select((version, node, role, fingerprint, budget, holds, flags) => (SyncMessage)new HandshakeMessage(version, new NodeId(node), role, fingerprint, budget, holds, "",
                (HandshakeFlags)(flags & (role == SyncRole.Initiator ? 1 : 6)))),
        GenText.Select(schema => (SyncMessage)new ContractSchemaMessage(schema)),
        GenEvent.Array[0, 8].Select(events => (SyncMessage)new EventBatchMessage(events)),
        Gen.Select(Gen.Bool, CorePropertyTests.GenVector).Select((stopped, holds) => (SyncMessage)new SyncCompleteMessage(stopped, holds)),
        Gen.Select(Gen.UShort, GenText).Select((reason, detail) => (SyncMessage)new RefuseMessage((RefuseReason)reason, detail)));

    /// <summary>Decodes, allowing only success or <see cref="SyncProtocolException"/>, and bounds the allocation.</summary>
    private static SyncMessage? ReadHostile(byte[] bytes)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        SyncMessage? message = null;
        try
        {
            message = SyncMessageCodec.Read(bytes);
        }
        catch (SyncProtocolException)
        {
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated <= 256 * 1024 + 16L * bytes.Length, $"decoding {bytes.Length} bytes allocated {allocated} bytes");
        return message;
    }

    private static void AssertSameMessage(SyncMessage expected, SyncMessage actual)
    {
        if (expected is EventBatchMessage batch)
        {
            var decoded = Assert.IsType<EventBatchMessage>(actual).Events;
            Assert.Equal(batch.Events.Count, decoded.Count);
            for (int i = 0; i < decoded.Count; i++)
            {
                Assert.Equal(batch.Events[i] with { Payload = default }, decoded[i] with { Payload = default });
                Assert.Equal(batch.Events[i].Payload.ToArray(), decoded[i].Payload.ToArray());
            }
        }
        else if (expected is HandshakeMessage { ProtocolVersion: not SyncMessageCodec.ProtocolVersion } other)
        {
            // Another version's vector layout is not ours to read: it arrives empty, and the session refuses the peer.
            Assert.Equal(other with { Holds = new VersionVector(), Flags = HandshakeFlags.None }, actual);
        }
        else
        {
            Assert.Equal(expected, actual);
        }
    }

    // ---- round trip -----------------------------------------------------------------------------------------

    [Fact]
    public void Every_message_round_trips_through_the_codec() =>
        GenMessage.Sample(message =>
        {
            var bytes = SyncMessageCodec.ToBytes(message);
            AssertSameMessage(message, SyncMessageCodec.Read(bytes));
        }, iter: 2_000);

    [Fact]
    public void A_refusal_detail_cut_to_the_size_limit_still_decodes()
    {
        // 1 + 2 × 3000 UTF-8 bytes: the 4096-byte limit falls in the middle of an 'é'.
        var refuse = new RefuseMessage(RefuseReason.ContractMismatch, "x" + new string('é', 3000));

        var decoded = Assert.IsType<RefuseMessage>(SyncMessageCodec.Read(SyncMessageCodec.ToBytes(refuse)));

        Assert.Equal(RefuseReason.ContractMismatch, decoded.Reason);
        Assert.StartsWith("xéé", decoded.Detail);
        Assert.InRange(Encoding.UTF8.GetByteCount(decoded.Detail), 4000, 4096);
    }

    // ---- hand-made hostile inputs ---------------------------------------------------------------------------

    public static TheoryData<string, byte[]> Hostile => new()
    {
        { "empty", [] },
        { "unknown kind", [0] },
        { "unknown kind 255", [255, 1, 2, 3] },
        { "handshake of one byte", [1] },
        { "batch header cut", [2, 1] },
        { "batch promising 4096 events in 10 bytes", [2, 0x00, 0x10, 1, 2, 3, 4, 5, 6, 7] },
        { "batch promising 65535 events", [2, 0xFF, 0xFF, 0, 0, 0, 0] },
        { "batch promising one event with no bytes", [2, 1, 0] },
        { "batch with trailing bytes", [2, 0, 0, 9] },
        { "completion without vector", [3, 0] },
        { "completion with bad flag", [3, 2, 0] },
        { "completion with trailing bytes", [3, 0, 0, 0] },
        { "completion vector promising 2^20+1 entries", [3, 0, 0x81, 0x80, 0x40, 1, 1] },
        { "completion vector promising 2^63 entries", [3, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01] },
        { "refusal cut", [4, 1, 0] },
        { "refusal text longer than the message", [4, 1, 0, 100, 65] },
        { "refusal text of 2^62 bytes", [4, 1, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40] },
        { "refusal text not UTF-8", [4, 1, 0, 2, 0xC3, 0x28] },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Malformed_messages_are_protocol_errors(string what, byte[] bytes)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<SyncProtocolException>(() => SyncMessageCodec.Read(bytes));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 256 * 1024, what);
        Assert.Contains("malformed", error.Message);
    }

    /// <summary>A message of the current layout (kind byte, then the MemoryPack object) with any field values.</summary>
    private static byte[] Wire<T>(SyncMessageKind kind, T wire)
    {
        RuntimeHelpers.RunClassConstructor(typeof(SyncMessageCodec).TypeHandle); // registers the wire formatters
        return [(byte)kind, .. MemoryPackSerializer.Serialize(wire)];
    }

    private static EventBatchWire Batch(int count)
    {
        var columns = new EventColumns();
        for (int i = 1; i <= count; i++) columns.Add(new EventEnvelope(new NodeId(1), (ulong)i, new Hlc(i, 0), 1, ReadOnlyMemory<byte>.Empty));
        return new EventBatchWire { Columns = columns.ToArray(), Payloads = [] };
    }

    private static HandshakeWire Hello() => new()
    {
        ProtocolVersion = SyncMessageCodec.ProtocolVersion, NodeId = 7, Role = 1, ContractFingerprint = [], ContractSchema = [],
        Protocol2HoldsOrigins = [], Protocol2HoldsSequences = [], Holds = [0],
    };

    public static TheoryData<string, byte[]> HostileFields => new()
    {
        { "batch of 4097 events", Wire(SyncMessageKind.EventBatch, Batch(4097)) },
        { "batch missing its columns", Wire(SyncMessageKind.EventBatch, Tweak(Batch(2), b => b.Columns = null)) },
        { "batch missing its payloads", Wire(SyncMessageKind.EventBatch, Tweak(Batch(2), b => b.Payloads = null)) },
        { "batch whose payloads exceed its payload lengths", Wire(SyncMessageKind.EventBatch, Tweak(Batch(2), b => b.Payloads = [1])) },
        { "handshake with a 1025-byte fingerprint", Wire(SyncMessageKind.Handshake, Tweak(Hello(), h => h.ContractFingerprint = new byte[1025])) },
        { "handshake with a schema over 256 KiB", Wire(SyncMessageKind.Handshake, Tweak(Hello(), h => h.ContractSchema = new byte[256 * 1024 + 1])) },
        { "handshake with a fingerprint not UTF-8", Wire(SyncMessageKind.Handshake, Tweak(Hello(), h => h.ContractFingerprint = [0xC3, 0x28])) },
        { "handshake missing its fingerprint", Wire(SyncMessageKind.Handshake, Tweak(Hello(), h => h.ContractFingerprint = null)) },
        { "handshake missing its vector", Wire(SyncMessageKind.Handshake, Tweak(Hello(), h => h.Holds = null)) },
        { "handshake vector cut short", Wire(SyncMessageKind.Handshake, Tweak(Hello(), h => h.Holds = [2, 1, 1])) },
        { "handshake vector with origin 0", Wire(SyncMessageKind.Handshake, Tweak(Hello(), h => h.Holds = [1, 0, 1])) },
        { "handshake vector with trailing bytes", Wire(SyncMessageKind.Handshake, Tweak(Hello(), h => h.Holds = [1, 5, 1, 0])) },
        { "handshake vector promising 2^20+1 entries", Wire(SyncMessageKind.Handshake, Tweak(Hello(), h => h.Holds = [0x81, 0x80, 0x40, 1, 1])) },
        { "handshake vector with an 11-byte varint", Wire(SyncMessageKind.Handshake, Tweak(Hello(), h => h.Holds = [1, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 1])) },
        { "handshake vector with a varint beyond 64 bits", Wire(SyncMessageKind.Handshake, Tweak(Hello(), h => h.Holds = [1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02, 1])) },
        // Origins are deltas from the previous one: a second delta of 0 repeats an origin, one that wraps goes backwards.
        { "initiator handshake asking for a schema", Wire(SyncMessageKind.Handshake, Tweak(Hello(), h => h.Flags = 2)) },
        { "initiator handshake claiming to ask for schemas", Wire(SyncMessageKind.Handshake, Tweak(Hello(), h => h.Flags = 4)) },
        { "responder handshake omitting its schema", Wire(SyncMessageKind.Handshake, Tweak(Hello(), h => (h.Role, h.Flags) = (2, 1))) },
        { "handshake with an unknown flag", Wire(SyncMessageKind.Handshake, Tweak(Hello(), h => (h.Role, h.Flags) = (2, 8))) },
        { "handshake omitting a schema it carries", Wire(SyncMessageKind.Handshake, Tweak(Hello(), h => (h.Flags, h.ContractSchema) = (1, [0x61]))) },
        { "schema message missing its schema", Wire(SyncMessageKind.ContractSchema, new ContractSchemaWire()) },
        { "schema message over 256 KiB", Wire(SyncMessageKind.ContractSchema, new ContractSchemaWire { Schema = new byte[256 * 1024 + 1] }) },
        { "schema message not UTF-8", Wire(SyncMessageKind.ContractSchema, new ContractSchemaWire { Schema = [0xC3, 0x28] }) },
        { "completion vector with a duplicate origin", Wire(SyncMessageKind.SyncComplete, new SyncCompleteWire { Holds = [2, 2, 1, 0, 1] }) },
        { "completion vector going backwards", Wire(SyncMessageKind.SyncComplete, new SyncCompleteWire { Holds = [2, 2, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 1] }) },
        { "completion vector with a zero sequence", Wire(SyncMessageKind.SyncComplete, new SyncCompleteWire { Holds = [1, 2, 0] }) },
        { "completion missing its vector", Wire(SyncMessageKind.SyncComplete, new SyncCompleteWire()) },
        { "completion with flag 2", Wire(SyncMessageKind.SyncComplete, new SyncCompleteWire { Flags = 2, Holds = [0] }) },
        { "refusal missing its detail", Wire(SyncMessageKind.Refuse, new RefuseWire { Reason = 1 }) },
        { "refusal detail over 4 KiB", Wire(SyncMessageKind.Refuse, new RefuseWire { Reason = 1, Detail = new byte[4097] }) },
        // Raw bytes: kind, object header (slot count), varint slot lengths, slot values.
        { "completion as a null object", [3, 255] },
        { "completion with a slot count beyond the bytes", [3, 200, 1] },
        // Two known slots and a third one of length -100 (0x9C): skipping it must not move the reader backwards.
        { "completion with a negative extra slot length", [3, 3, 1, 5, 0x9C, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0] },
        { "completion with an array count of 2^31-1", [3, 2, 1, 5, 0, 0xFF, 0xFF, 0xFF, 0x7F, 0] },
        { "completion with an array count of -5", [3, 2, 1, 5, 0, 0xFB, 0xFF, 0xFF, 0xFF, 0] },
        { "completion with an unknown varint code", [3, 2, 0x80, 5, 0, 1, 0, 0, 0, 0] },
    };

    private static T Tweak<T>(T value, Action<T> change)
    {
        change(value);
        return value;
    }

    [Theory]
    [MemberData(nameof(HostileFields))]
    public void Messages_that_MemoryPack_reads_but_whose_fields_are_invalid_are_protocol_errors(string what, byte[] bytes)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<SyncProtocolException>(() => SyncMessageCodec.Read(bytes));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 256 * 1024 + 16L * bytes.Length, what);
        Assert.Contains("malformed", error.Message);
    }

    [Fact]
    public void The_hand_made_completion_bytes_are_the_current_layout()
    {
        // Guards the raw cases above: the same bytes with a valid count and no extra slot decode. Kind 3, two slots
        // of 1 and 5 bytes, flags 0, a 1-byte array holding the empty vector (count 0).
        var complete = Assert.IsType<SyncCompleteMessage>(SyncMessageCodec.Read(new byte[] { 3, 2, 1, 5, 0, 1, 0, 0, 0, 0 }));
        Assert.False(complete.BudgetExhausted);
        Assert.Equal(0, complete.Holds.Count);
        Assert.Equal(new byte[] { 3, 2, 1, 5, 0, 1, 0, 0, 0, 0 }, SyncMessageCodec.ToBytes(new SyncCompleteMessage(false, new VersionVector())));
    }

    [Fact]
    public void The_planned_sizes_are_the_encoded_sizes() =>
        Gen.Select(GenEvent.Array[0, 40], Gen.Int[0, 3], CorePropertyTests.GenVector, Gen.Bool).Sample((events, big, holds, stopped) =>
        {
            // Now and then a payload that pushes a slot length past one byte (127) or three (32767).
            if (events.Length > 0 && big > 0) events[0] = events[0] with { Payload = new byte[big == 1 ? 200 : big == 2 ? 40_000 : 120] };
            Assert.Equal(SyncMessageCodec.ToBytes(new EventBatchMessage(events)).Length, SyncMessageCodec.EventBatchSize(events));
            Assert.Equal(SyncMessageCodec.ToBytes(new SyncCompleteMessage(stopped, holds)).Length, SyncMessageCodec.SyncCompleteSize(holds));
        }, iter: 1_000);

    [Fact]
    public void Every_truncation_of_every_kind_of_message_is_a_protocol_error()
    {
        var messages = new SyncMessage[]
        {
            new HandshakeMessage(SyncMessageCodec.ProtocolVersion, new NodeId(7), SyncRole.Initiator, "fingerprint ✓", 4096,
                new VersionVector([KeyValuePair.Create(new NodeId(1), 5UL), KeyValuePair.Create(new NodeId(300), 70_000UL)])),
            new EventBatchMessage([new EventEnvelope(new NodeId(1), 1, new Hlc(5, 1), 2, "hello"u8.ToArray()), new EventEnvelope(new NodeId(1), 200, new Hlc(6, 0), 1, Array.Empty<byte>())]),
            new SyncCompleteMessage(true, new VersionVector([KeyValuePair.Create(new NodeId(9), 1UL)])),
            new RefuseMessage(RefuseReason.NotAllowed, "no"),
            new ContractSchemaMessage("zamsync-contract 1"),
        };
        foreach (var message in messages)
        {
            var bytes = SyncMessageCodec.ToBytes(message);
            for (int length = 0; length < bytes.Length; length++)
                Assert.Throws<SyncProtocolException>(() => SyncMessageCodec.Read(bytes.AsMemory(0, length)));
        }
    }

    [Theory]
    [InlineData(0)] // no node id
    [InlineData(3)] // an unknown role
    public void A_handshake_without_identity_or_with_an_unknown_role_is_a_protocol_error(int variant)
    {
        var bytes = SyncMessageCodec.ToBytes(new HandshakeMessage(SyncMessageCodec.ProtocolVersion, new NodeId(7), SyncRole.Initiator, "", 0, new VersionVector()));
        // Kind, object header, 12 one-byte slot lengths; then version (u16) at 14, node id (u64) at 16, role (u8) at 24.
        Assert.Equal(7, bytes[16]);
        if (variant == 0) Array.Clear(bytes, 16, 8);
        else bytes[24] = 3;
        Assert.Throws<SyncProtocolException>(() => SyncMessageCodec.Read(bytes));
    }

    [Fact]
    public void A_handshake_with_a_negative_budget_is_a_protocol_error()
    {
        var bytes = SyncMessageCodec.ToBytes(new HandshakeMessage(SyncMessageCodec.ProtocolVersion, new NodeId(7), SyncRole.Initiator, "", 0, new VersionVector()));
        Assert.Equal(1, bytes[24]); // the role; the little-endian i64 budget follows at 25
        bytes[32] = 0x80; // sign bit of the budget
        Assert.Throws<SyncProtocolException>(() => SyncMessageCodec.Read(bytes));
    }

    // ---- random inputs ----------------------------------------------------------------------------------------

    [Fact]
    public void Random_bytes_decode_or_fail_only_with_a_protocol_error() =>
        Gen.Select(Gen.Byte[1, 4], Gen.Byte.Array[0, 200]).Sample((kind, body) =>
        {
            // Half the inputs start with a valid kind so the decoders themselves get exercised.
            var bytes = body.Length > 0 && body[0] % 2 == 0 ? [kind, .. body] : body;
            ReadHostile(bytes);
        }, iter: 10_000);

    [Fact]
    public void Mutated_valid_messages_decode_or_fail_only_with_a_protocol_error() =>
        Gen.Select(GenMessage, Gen.Select(Gen.Int[0, 4], Gen.Int[0, int.MaxValue], Gen.Byte).Array[1, 4]).Sample((message, mutations) =>
        {
            var bytes = new List<byte>(SyncMessageCodec.ToBytes(message));
            foreach (var (kind, at, value) in mutations)
            {
                switch (kind)
                {
                    case 0 when bytes.Count > 0: bytes[at % bytes.Count] = value; break; // overwrite
                    case 1: bytes.RemoveRange(at % (bytes.Count + 1), bytes.Count - at % (bytes.Count + 1)); break; // truncate
                    case 2: bytes.Insert(at % (bytes.Count + 1), value); break; // insert
                    case 3 when bytes.Count > 0: bytes.RemoveAt(at % bytes.Count); break; // delete
                    case 4 when bytes.Count > 2: bytes[1 + at % 2] = 0xFF; break; // inflate a count or length byte
                }
            }
            ReadHostile(bytes.ToArray());
        }, iter: 10_000);

    // ---- holes ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Ingesting_a_batch_that_skips_a_sequence_is_a_protocol_error_and_stores_nothing()
    {
        using var dir = new TempDirectory();
        await using var b = await Nodes.OpenAsync(dir.Sub("b"), 2);
        var origin = new NodeId(9);
        static EventEnvelope E(NodeId o, ulong seq) => new(o, seq, new Hlc(1000 + (long)seq, 0), 1, Encoding.UTF8.GetBytes($"e{seq}"));

        await Assert.ThrowsAsync<SyncProtocolException>(async () => await b.IngestAsync([E(origin, 2)], origin, CancellationToken.None));
        var hole = await Assert.ThrowsAsync<SyncProtocolException>(async () => await b.IngestAsync([E(origin, 1), E(origin, 3)], origin, CancellationToken.None));
        Assert.Contains("hole", hole.Message);
        Assert.Contains($"{origin}#3", hole.Message); // names the origin, what came and what is held
        Assert.Contains("up to #1", hole.Message);
        await Assert.ThrowsAsync<SyncProtocolException>(async () => await b.IngestAsync([E(origin, 0)], origin, CancellationToken.None));
        await Assert.ThrowsAsync<SyncProtocolException>(async () => await b.IngestAsync([E(default, 1)], origin, CancellationToken.None));
        Assert.Equal(0UL, b.Known[origin]);
        Assert.Equal(0, b.State.Count);

        // The contiguous batch is accepted, and a replay of it is a harmless no-op.
        Assert.Equal(2, (await b.IngestAsync([E(origin, 1), E(origin, 2)], origin, CancellationToken.None)).Stored);
        Assert.Equal(0, (await b.IngestAsync([E(origin, 1), E(origin, 2)], origin, CancellationToken.None)).Stored);
        Assert.Equal(2UL, b.Known[origin]);
    }

    [Fact]
    public async Task A_peer_whose_first_event_skips_a_sequence_ends_the_session_with_a_protocol_error()
    {
        using var dir = new TempDirectory();
        await using var b = await Nodes.OpenAsync(dir.Sub("b"), 2);
        var (fake, mine) = InMemoryTransport.CreatePair();
        await using var _ = fake;
        await using var __ = mine;
        var peer = new NodeId(1);
        var serving = b.CreateSession(mine).ServeOneAsync(peer);

        var holds = new VersionVector([KeyValuePair.Create(peer, 5UL)]);
        await fake.SendAsync(SyncMessageCodec.ToBytes(new HandshakeMessage(SyncMessageCodec.ProtocolVersion, peer, SyncRole.Initiator, "", 0, holds)), CancellationToken.None);
        while (SyncMessageCodec.Read((await fake.ReceiveAsync(CancellationToken.None))!.Value) is not SyncCompleteMessage) { }
        // It claims to hold 1..5 but starts at 2: event 1 would be missing forever.
        var batch = new EventBatchMessage([new EventEnvelope(peer, 2, new Hlc(10, 0), 1, "two"u8.ToArray()), new EventEnvelope(peer, 3, new Hlc(11, 0), 1, "three"u8.ToArray())]);
        await fake.SendAsync(SyncMessageCodec.ToBytes(batch), CancellationToken.None);

        var error = await Assert.ThrowsAsync<SyncProtocolException>(() => serving.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("hole", error.Message);
        Assert.Equal(0UL, b.Known[peer]);
        Assert.Equal(0, b.State.Count);
    }

    [Fact]
    public async Task A_peer_sending_garbage_mid_session_ends_it_with_a_protocol_error()
    {
        using var dir = new TempDirectory();
        await using var a = await Nodes.OpenAsync(dir.Sub("a"), 1);
        var (mine, fake) = InMemoryTransport.CreatePair();
        await using var _ = mine;
        await using var __ = fake;
        var syncing = a.CreateSession(mine).SyncAsync(new NodeId(2));

        await fake.ReceiveAsync(CancellationToken.None);
        await fake.SendAsync(SyncMessageCodec.ToBytes(new HandshakeMessage(SyncMessageCodec.ProtocolVersion, new NodeId(2), SyncRole.Responder, "", 0, new VersionVector())), CancellationToken.None);
        await fake.SendAsync(new byte[] { 2, 0xFF, 0x0F, 1, 2, 3 }, CancellationToken.None);

        await Assert.ThrowsAsync<SyncProtocolException>(() => syncing.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}

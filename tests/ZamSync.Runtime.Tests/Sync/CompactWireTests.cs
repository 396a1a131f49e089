using System.Runtime.CompilerServices;
using System.Text;
using CsCheck;
using MemoryPack;
using ZamSync.Sync;
using ZamSync.Sync.Wire;
using ZamSync.Tests.Support;
using ZamSync.Testing;

namespace ZamSync.Tests.Sync;

/// <summary>
/// Protocol 3's packed event columns (docs/wire-format.md, "Event columns"): any values round-trip at the size the
/// session budgets for them; hostile columns fail only as protocol errors; protocol-2 peers are refused by version;
/// and a small budget carries more than twice the events protocol 2 carried.
/// </summary>
public class CompactWireTests
{
    // ---- generators ---------------------------------------------------------------------------------------------

    private static readonly Gen<ulong> GenU64 = Gen.Frequency(
        (4, Gen.ULong[0, 300]),
        (2, Gen.ULong),
        (2, Gen.OneOfConst(0UL, 1UL, 63UL, 64UL, 127UL, 128UL, (ulong)long.MaxValue, 1UL << 63, ulong.MaxValue - 1, ulong.MaxValue)));

    private static readonly Gen<long> GenI64 = Gen.Frequency(
        (4, Gen.Long[-1000, 1000]),
        (2, Gen.Long),
        (2, Gen.OneOfConst(0L, -1L, 1_700_000_000_000L, long.MinValue, long.MinValue + 1, long.MaxValue - 1, long.MaxValue)));

    private static readonly Gen<uint> GenU32 = Gen.Frequency(
        (4, Gen.UInt[0, 300]),
        (1, Gen.UInt),
        (1, Gen.OneOfConst(0u, 127u, 128u, uint.MaxValue)));

    /// <summary>
    /// Batches drawn from a pool of one origin (no index column), a few (runs and interleaving), or 300 (indices
    /// beyond one byte); any sequence and HLC, so both go backwards and wrap.
    /// </summary>
    private static readonly Gen<EventEnvelope[]> GenBatch =
        Gen.OneOfConst(1, 3, 300).SelectMany(poolSize => GenU64.Array[poolSize].SelectMany(pool =>
            Gen.Select(Gen.Int[0, poolSize - 1], GenU64, GenI64, GenU32, GenU32, Gen.Byte.Array[0, 3])
                .Select((origin, sequence, physical, logical, type, payload) =>
                    new EventEnvelope(new NodeId(pool[origin]), sequence, new Hlc(physical, logical), type, payload))
                .Array[0, 400]));

    private static void AssertSameEvents(IReadOnlyList<EventEnvelope> expected, IReadOnlyList<EventEnvelope> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i] with { Payload = default }, actual[i] with { Payload = default });
            Assert.Equal(expected[i].Payload.ToArray(), actual[i].Payload.ToArray());
        }
    }

    // ---- round trips --------------------------------------------------------------------------------------------

    [Fact]
    public void Any_batch_round_trips_at_exactly_its_planned_size() =>
        GenBatch.Sample(events =>
        {
            var bytes = SyncMessageCodec.ToBytes(new EventBatchMessage(events));
            AssertSameEvents(events, Assert.IsType<EventBatchMessage>(SyncMessageCodec.Read(bytes)).Events);
            Assert.Equal(bytes.Length, SyncMessageCodec.EventBatchSize(events));
        }, iter: 500);

    [Fact]
    public void The_builder_knows_each_events_size_before_adding_it() =>
        GenBatch.Sample(events =>
        {
            var columns = new EventColumns();
            foreach (var e in events)
            {
                int planned = columns.SizeWith(e);
                columns.Add(e);
                Assert.Equal(planned, columns.Size);
            }
            var bytes = columns.ToArray();
            Assert.Equal(columns.Size, bytes.Length);
            AssertSameEvents(events, EventColumns.Read(bytes, events.SelectMany(e => e.Payload.ToArray()).ToArray(), int.MaxValue));

            // Cleared, it starts over: the same events give the same bytes.
            columns.Clear();
            foreach (var e in events) columns.Add(e);
            Assert.Equal(bytes, columns.ToArray());
        }, iter: 300);

    [Fact]
    public void Extreme_values_round_trip()
    {
        var events = new EventEnvelope[]
        {
            new(new NodeId(ulong.MaxValue), ulong.MaxValue, new Hlc(long.MaxValue, uint.MaxValue), uint.MaxValue, new byte[] { 1 }),
            new(new NodeId(0), 0, new Hlc(long.MinValue, 0), 0, Array.Empty<byte>()),
            new(new NodeId(ulong.MaxValue), 1, new Hlc(long.MaxValue, 0), 0, Array.Empty<byte>()),   // sequence wraps forwards
            new(new NodeId(ulong.MaxValue), 0, new Hlc(0, 1), 7, new byte[] { 2, 3 }),               // and goes backwards
            new(new NodeId(0), ulong.MaxValue, new Hlc(-1, 0), 0, Array.Empty<byte>()),              // 0 → max: backwards by one
            new(new NodeId(1), 1UL << 63, new Hlc(long.MinValue, 5), 1, new byte[300]),
        };
        for (int n = 0; n <= events.Length; n++)
        {
            var batch = events[..n];
            var bytes = SyncMessageCodec.ToBytes(new EventBatchMessage(batch));
            AssertSameEvents(batch, Assert.IsType<EventBatchMessage>(SyncMessageCodec.Read(bytes)).Events);
            Assert.Equal(bytes.Length, SyncMessageCodec.EventBatchSize(batch));
        }
    }

    [Fact]
    public void A_varints_size_is_what_it_writes_at_every_width_boundary()
    {
        Span<byte> buffer = stackalloc byte[Varint.MaxLength];
        for (int width = 1; width < Varint.MaxLength; width++)
        {
            ulong last = (1UL << (7 * width)) - 1; // the largest value of this width, then the smallest of the next
            Assert.Equal(width, Varint.SizeOf(last));
            Assert.Equal(width, Varint.Write(buffer, last));
            Assert.Equal(width + 1, Varint.SizeOf(last + 1));
            Assert.Equal(width + 1, Varint.Write(buffer, last + 1));
        }
        Assert.Equal(1, Varint.SizeOf(0));
        Assert.Equal(Varint.MaxLength, Varint.SizeOf(ulong.MaxValue));
        Assert.Equal(Varint.MaxLength, Varint.Write(buffer, ulong.MaxValue));
    }

    [Fact]
    public void The_documented_example_is_the_layout()
    {
        // docs/wire-format.md, "Event columns": two origins, a later event of the first one, HLCs 250 ms apart.
        var events = new EventEnvelope[]
        {
            new(new NodeId(7), 41, new Hlc(1_700_000_000_000, 0), 2, new byte[12]),
            new(new NodeId(1000), 5, new Hlc(1_700_000_000_250, 0), 1, new byte[9]),
            new(new NodeId(7), 42, new Hlc(1_700_000_000_250, 1), 2, new byte[20]),
        };
        var columns = new EventColumns();
        foreach (var e in events) columns.Add(e);

        Assert.Equal(Convert.FromHexString(
            "03" + "02" + "07" + "E807" + "000100" + "520A02" + "80A0ABFEF962" + "F403" + "00" + "000001" + "020102" + "0C0914"),
            columns.ToArray());
        var message = SyncMessageCodec.ToBytes(new EventBatchMessage(events));
        Assert.Equal(82, message.Length);
        Assert.Equal(Convert.FromHexString("0202212D1D000000"), message[..8]); // kind, 2 slots, slot lengths 33 and 45, 29 column bytes

        // docs/wire-format.md, "Version vectors".
        var vector = new VersionVector([KeyValuePair.Create(new NodeId(1), 5UL), KeyValuePair.Create(new NodeId(300), 70_000UL)]);
        Assert.Equal(Convert.FromHexString("020105AB02F0A204"), vector.ToBytes());
    }

    // ---- hostile columns ----------------------------------------------------------------------------------------

    /// <summary>Varints, for hand-made columns.</summary>
    private static byte[] V(params ulong[] values)
    {
        var bytes = new List<byte>();
        foreach (ulong value in values)
        {
            ulong v = value;
            while (v >= 0x80)
            {
                bytes.Add((byte)(v | 0x80));
                v >>= 7;
            }
            bytes.Add((byte)v);
        }
        return bytes.ToArray();
    }

    private static byte[] Batch(byte[] columns, byte[] payloads)
    {
        RuntimeHelpers.RunClassConstructor(typeof(SyncMessageCodec).TypeHandle); // registers the wire formatters
        return [(byte)SyncMessageKind.EventBatch, .. MemoryPackSerializer.Serialize(new EventBatchWire { Columns = columns, Payloads = payloads })];
    }

    // One origin (5), sequences 1 and 2 (zig-zag deltas 2, 2), physicals 10 and 11 (20, 2), logicals 0, types 1,
    // payload lengths 1 and 2.
    private static readonly byte[] GoodColumns = V(2, 1, 5, 2, 2, 20, 2, 0, 0, 1, 1, 1, 2);

    [Fact]
    public void The_hand_made_columns_decode()
    {
        var batch = Assert.IsType<EventBatchMessage>(SyncMessageCodec.Read(Batch(GoodColumns, [9, 8, 7])));
        Assert.Equal(
            [new EventEnvelope(new NodeId(5), 1, new Hlc(10, 0), 1, default), new EventEnvelope(new NodeId(5), 2, new Hlc(11, 0), 1, default)],
            batch.Events.Select(e => e with { Payload = default }));
        Assert.Equal(new byte[] { 8, 7 }, batch.Events[1].Payload.ToArray());
    }

    public static TheoryData<string, byte[], byte[]> HostileColumns => new()
    {
        { "no columns at all", [], [] },
        { "a count of 4097", V(4097, 1, 5), [] },
        { "a count of 4096 in a dozen bytes", V(4096, 1, 5, 2, 2, 2, 2, 2, 2, 2, 2), [] },
        { "a count of 2^64-1", V(ulong.MaxValue), [] },
        { "events from no origin", V(2, 0, 2, 2, 20, 2, 0, 0, 1, 1, 1, 2), [0, 0, 0] },
        { "more origins than events", V(2, 3, 5, 6, 7, 0, 1, 2, 2, 20, 2, 0, 0, 1, 1, 1, 2), [0, 0, 0] },
        { "an origin in an empty batch", V(0, 1, 5), [] },
        { "an origin named twice", V(2, 2, 5, 5, 0, 1, 2, 2, 20, 2, 0, 0, 1, 1, 1, 2), [0, 0, 0] },
        { "an origin index beyond the dictionary", V(2, 2, 5, 6, 0, 2, 2, 2, 20, 2, 0, 0, 1, 1, 1, 2), [0, 0, 0] },
        { "origin indices out of first-appearance order", V(2, 2, 5, 6, 1, 0, 2, 2, 20, 2, 0, 0, 1, 1, 1, 2), [0, 0, 0] },
        { "an origin no event uses", V(2, 2, 5, 6, 0, 0, 2, 2, 20, 2, 0, 0, 1, 1, 1, 2), [0, 0, 0] },
        { "a payload length column one short", V(2, 1, 5, 2, 2, 20, 2, 0, 0, 1, 1, 1), [0] },
        { "a sequence column one short (the rest shifted)", V(2, 1, 5, 2, 20, 2, 0, 0, 1, 1, 1, 2), [0, 0, 0] },
        { "a payload length column one long", V(2, 1, 5, 2, 2, 20, 2, 0, 0, 1, 1, 1, 2, 0), [0, 0, 0] },
        { "a logical beyond 32 bits", V(2, 1, 5, 2, 2, 20, 2, 0, 1UL << 32, 1, 1, 1, 2), [0, 0, 0] },
        { "an event type beyond 32 bits", V(2, 1, 5, 2, 2, 20, 2, 0, 0, 1, uint.MaxValue + 1UL, 1, 2), [0, 0, 0] },
        { "payload lengths beyond the payloads", V(2, 1, 5, 2, 2, 20, 2, 0, 0, 1, 1, 1, 3), [0, 0, 0] },
        { "a payload length of 2^63", V(2, 1, 5, 2, 2, 20, 2, 0, 0, 1, 1, 1, 1UL << 63), [0, 0, 0] },
        { "payloads beyond the payload lengths", GoodColumns, [0, 0, 0, 0] },
        { "an 11-byte varint in the sequence column", [2, 1, 5, 0x82, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 2, 20, 2, 0, 0, 1, 1, 1, 2], [0, 0, 0] },
        { "a 10-byte varint beyond 64 bits in the physical column", [2, 1, 5, 2, 2, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02, 2, 0, 0, 1, 1, 1, 2], [0, 0, 0] },
        { "a varint cut at the end of the columns", [2, 1, 5, 2, 2, 20, 2, 0, 0, 1, 1, 1, 0x82], [0, 0, 0] },
    };

    [Theory]
    [MemberData(nameof(HostileColumns))]
    public void Malformed_columns_are_protocol_errors(string what, byte[] columns, byte[] payloads)
    {
        var bytes = Batch(columns, payloads);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<SyncProtocolException>(() => SyncMessageCodec.Read(bytes));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 * 1024, what);
        Assert.Contains("malformed", error.Message);
    }

    [Fact]
    public void Every_truncation_of_valid_columns_is_a_protocol_error() =>
        GenBatch.Where(events => events.Length > 0).Sample(events =>
        {
            var columns = new EventColumns();
            foreach (var e in events) columns.Add(e);
            var bytes = columns.ToArray();
            var payloads = events.SelectMany(e => e.Payload.ToArray()).ToArray();
            for (int length = 0; length < bytes.Length; length += 1 + length / 16)
                Assert.Throws<SyncProtocolException>(() => EventColumns.Read(bytes.AsSpan(0, length), payloads, SyncMessageCodec.MaxBatchEvents));
        }, iter: 200);

    [Fact]
    public void Corrupted_columns_decode_or_fail_only_with_a_protocol_error() =>
        Gen.Select(GenBatch, Gen.Select(Gen.Int[0, int.MaxValue], Gen.Byte).Array[1, 4]).Sample((events, flips) =>
        {
            var columns = new EventColumns();
            foreach (var e in events) columns.Add(e);
            var bytes = columns.ToArray();
            foreach (var (at, value) in flips) bytes[at % bytes.Length] = value;
            var message = Batch(bytes, events.SelectMany(e => e.Payload.ToArray()).ToArray());
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                SyncMessageCodec.Read(message);
            }
            catch (SyncProtocolException)
            {
            }
            // The events, their decoding rows and the dictionary: a few dozen bytes for each byte of the columns.
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated <= 64 * 1024 + 64L * message.Length, $"decoding {message.Length} bytes allocated {allocated}");
        }, iter: 2_000);

    // ---- protocol 2 peers ---------------------------------------------------------------------------------------

    // Protocol 2's handshake from node 7 (initiator, fingerprint "fp", schema "s", budget 3000), as its codec wrote
    // it: 8 slots, the vector {1: 5, 300: 70000} as two u64 columns.
    private const string Protocol2Handshake =
        "0108" + "0208010806051414" + "0200" + "0700000000000000" + "01" + "B80B000000000000" + "020000006670" + "0100000073"
        + "02000000" + "0100000000000000" + "2C01000000000000" + "02000000" + "0500000000000000" + "7011010000000000";

    [Fact]
    public void A_protocol_2_handshake_decodes_to_its_version_so_it_can_be_refused()
    {
        var hello = Assert.IsType<HandshakeMessage>(SyncMessageCodec.Read(Convert.FromHexString(Protocol2Handshake)));

        Assert.Equal(2, hello.ProtocolVersion);
        Assert.Equal(new NodeId(7), hello.NodeId);
        Assert.Equal(SyncRole.Initiator, hello.Role);
        Assert.Equal("fp", hello.ContractFingerprint);
        Assert.Equal("s", hello.ContractSchema);
        Assert.Equal(0, hello.Holds.Count); // another version's vector is not read
    }

    [Fact]
    public async Task A_protocol_2_peer_is_refused_with_both_versions_named()
    {
        using var dir = new TempDirectory();
        await using var hub = await Nodes.OpenAsync(dir.Sub("hub"), 2);
        var (peer, served) = InMemoryTransport.CreatePair();
        await using var _ = peer;
        var serving = hub.CreateSession(served).ServeOneAsync();

        await peer.SendAsync(Convert.FromHexString(Protocol2Handshake), CancellationToken.None);
        var refuse = Assert.IsType<RefuseMessage>(SyncMessageCodec.Read((await peer.ReceiveAsync(CancellationToken.None))!.Value));

        Assert.Equal(RefuseReason.ProtocolVersion, refuse.Reason);
        Assert.Contains("speaks sync protocol 2", refuse.Detail);
        Assert.Contains($"speaks {SyncMessageCodec.ProtocolVersion}", refuse.Detail);
        var error = await Assert.ThrowsAsync<SyncRefusedException>(() => serving);
        Assert.Contains("protocol 2", error.Message);
        await served.DisposeAsync();
    }

    [Fact]
    public void Our_handshake_is_a_protocol_2_handshake_with_an_empty_vector_and_four_slots_more()
    {
        var holds = new VersionVector([KeyValuePair.Create(new NodeId(1), 5UL), KeyValuePair.Create(new NodeId(300), 70_000UL)]);
        var bytes = SyncMessageCodec.ToBytes(new HandshakeMessage(SyncMessageCodec.ProtocolVersion, new NodeId(7), SyncRole.Initiator, "fp", 3000, holds, "s"));

        // Kind, 12 slots, 12 one-byte slot lengths: drop slots 8 to 11 (their lengths and values, the last bytes;
        // slot 9 is the flags byte, slot 10 the frontier claims, none here, slot 11 the own-events-only bool).
        Assert.Equal(12, bytes[1]);
        int slot8 = bytes[10], slot10 = bytes[12];
        Assert.Equal(1, bytes[11]);
        Assert.Equal(1, bytes[13]);
        Assert.Equal(0, bytes[^1]);
        Assert.Equal(0, bytes[^(slot10 + 2)]);
        byte[] asProtocol2 = [bytes[0], 8, .. bytes[2..10], .. bytes[14..^(slot8 + 1 + slot10 + 1)]];

        // What protocol 2 wrote for the same handshake with an empty vector, but for the version number: a protocol-2
        // peer reads ours, skipping slot 8, and refuses it by version.
        var expected = Convert.FromHexString(
            "0108" + "0208010806050404" + "0300" + "0700000000000000" + "01" + "B80B000000000000" + "020000006670" + "0100000073" + "00000000" + "00000000");
        Assert.Equal(expected, asProtocol2);
        Assert.Equal(holds, VersionVector.Decode(bytes.AsSpan(bytes.Length - 1 - slot10 - 1 - slot8 + 4, slot8 - 4)));
    }

    // ---- budgets ------------------------------------------------------------------------------------------------

    private static async Task<(SyncStats Clinic, SyncStats Hub)> SmallBudgetSessionAsync(TempDirectory dir, long budget)
    {
        // Deterministic clocks, so the HLC deltas (and so every byte) are the same on every run.
        var clinicClock = new ManualTimeProvider(1_700_000_000_000);
        var hubClock = new ManualTimeProvider(1_700_000_000_000);
        await using var clinic = await Nodes.OpenAsync(dir.Sub("clinic"), 7, new ZamEngineOptions { TimeProvider = clinicClock });
        await using var hub = await Nodes.OpenAsync(dir.Sub("hub"), 1000, new ZamEngineOptions { TimeProvider = hubClock });
        for (int i = 0; i < 300; i++)
        {
            clinicClock.Advance(TimeSpan.FromSeconds(7));
            await clinic.SubmitAsync((uint)(1 + i % 5), Encoding.UTF8.GetBytes($"visit P-{i % 40:D3} bp 120/80"));
            hubClock.Advance(TimeSpan.FromSeconds(5));
            await hub.SubmitAsync((uint)(1 + i % 3), Encoding.UTF8.GetBytes($"stock item-{i % 17} +{i}"));
        }
        return (await Sessions.RunAsync(clinic, hub, s => s.WithMaxBytes(budget))).Require();
    }

    [Theory]
    // What protocol 2 carried in exactly this session (measured before the change): clinic → hub, hub → clinic.
    [InlineData(3000, 47, 50)]
    [InlineData(1024, 13, 14)]
    public async Task A_small_budget_carries_more_than_twice_the_events_protocol_2_did(long budget, int protocol2Up, int protocol2Down)
    {
        using var dir = new TempDirectory();

        var (clinic, hub) = await SmallBudgetSessionAsync(dir, budget);

        Assert.True(clinic.BudgetExhausted);
        Assert.True(clinic.EventsSent > 2 * protocol2Up, $"the clinic sent {clinic.EventsSent} events (protocol 2: {protocol2Up})");
        Assert.True(hub.EventsSent > 2 * protocol2Down, $"the hub sent {hub.EventsSent} events (protocol 2: {protocol2Down})");
        // Exact accounting: the budget is never crossed, and what is left unused is less than one more event and
        // the header of a batch to carry it.
        Assert.InRange(clinic.BytesSent, budget - 64, budget);
        Assert.InRange(hub.BytesSent, budget - 64, budget);
    }

    [Fact]
    public async Task An_initiator_sending_far_more_than_it_declared_cannot_push_the_acknowledgement_over_the_budget()
    {
        using var dir = new TempDirectory();
        await using var hub = await Nodes.OpenAsync(dir.Sub("hub"), 2);
        await Sessions.SubmitConcurrentlyAsync(hub, 200, "h");
        var (fake, mine) = InMemoryTransport.CreatePair();
        await using var _ = fake;
        await using var __ = mine;
        var peer = new NodeId(1);
        const long Budget = 600;
        var serving = hub.CreateSession(mine).ServeOneAsync(peer);

        // It declares one event of its own, so the hub plans an acknowledgement with room for 16,383 (2-byte varint)...
        var declared = new VersionVector([KeyValuePair.Create(peer, 1UL)]);
        await fake.SendAsync(SyncMessageCodec.ToBytes(new HandshakeMessage(SyncMessageCodec.ProtocolVersion, peer, SyncRole.Initiator, "", Budget, declared)), CancellationToken.None);
        while (SyncMessageCodec.Read((await fake.ReceiveAsync(CancellationToken.None))!.Value) is not SyncCompleteMessage) { }
        // ...then sends 16,400.
        const ulong Sent = 16_400;
        for (ulong first = 1; first <= Sent; first += SyncMessageCodec.MaxBatchEvents)
        {
            var events = new List<EventEnvelope>();
            for (ulong seq = first; seq <= Sent && seq < first + SyncMessageCodec.MaxBatchEvents; seq++)
                events.Add(new EventEnvelope(peer, seq, new Hlc(1_000 + (long)seq, 0), 1, "x"u8.ToArray()));
            await fake.SendAsync(SyncMessageCodec.ToBytes(new EventBatchMessage(events)), CancellationToken.None);
        }
        await fake.SendAsync(SyncMessageCodec.ToBytes(new SyncCompleteMessage(false, new VersionVector([KeyValuePair.Create(peer, Sent)]))), CancellationToken.None);
        var ack = Assert.IsType<SyncCompleteMessage>(SyncMessageCodec.Read((await fake.ReceiveAsync(CancellationToken.None))!.Value));
        var stats = await serving;

        Assert.Equal(Sent, hub.Known[peer]);
        Assert.Equal(16_383UL, ack.Holds[peer]); // acknowledges less than it holds rather than cross the budget
        Assert.Equal(200UL, ack.Holds[hub.NodeId]);
        Assert.InRange(stats.BytesSent, 1, Budget);
        Assert.True(stats.BudgetExhausted);
    }
}

using ZamSync.Sync;
using ZamSync.Tests.Support;
using ZamSync.Testing;

namespace ZamSync.Tests.Sync;

/// <summary>
/// The contract schema travels only where it can be needed: to judge two different contracts (docs/protocol.md,
/// "Contracts").
/// </summary>
public class SchemaOnceTests
{
    private const string V1 = """
        zamsync-contract 1
        1 Clinic.PatientRegistered { 0 PatientId: string; 1 Name: string; }
        2 Clinic.VitalsRecorded { 0 PatientId: string; 1 Systolic: int; 2 Diastolic: int; }
        """;

    private const string V2Compatible = """
        zamsync-contract 1
        1 Clinic.PatientRegistered { 0 PatientId: string; 1 Name: string; 2 Village: string; }
        2 Clinic.VitalsRecorded { 0 PatientId: string; 1 Systolic: int; 2 Diastolic: int; }
        """;

    private const string V2Breaking = """
        zamsync-contract 1
        1 Clinic.PatientRegistered { 0 PatientId: string; 1 Name: string; }
        2 Clinic.VitalsRecorded { 0 PatientId: string; 1 Systolic: long; 2 Diastolic: int; }
        """;

    private static ZamEngineOptions Contract(string fingerprint, string schema) => new() { ContractFingerprint = fingerprint, ContractSchema = schema };

    /// <summary>One session over recording transports: each side's outcome and the messages each side sent.</summary>
    private static async Task<(SessionOutcome Outcome, IReadOnlyList<SyncMessage> FromInitiator, IReadOnlyList<SyncMessage> FromResponder)> RecordAsync(
        ZamEngine initiator, ZamEngine responder, Action<SyncSession>? configureInitiator = null)
    {
        var (a, b) = InMemoryTransport.CreatePair();
        var (ra, rb) = (new RecordingTransport(a), new RecordingTransport(b));
        var client = initiator.CreateSession(ra);
        configureInitiator?.Invoke(client);
        var serving = Side(rb, () => responder.CreateSession(rb).ServeOneAsync(initiator.NodeId));
        var syncing = Side(ra, () => client.SyncAsync(responder.NodeId));
        await Task.WhenAll(serving, syncing).WaitAsync(Sessions.Guard);
        var (cs, ce) = await syncing;
        var (ss, se) = await serving;
        return (new SessionOutcome(cs, ce, ss, se), ra.Sent, rb.Sent);

        static async Task<(SyncStats?, Exception?)> Side(ISyncTransport transport, Func<Task<SyncStats>> run)
        {
            try { return (await run(), null); }
            catch (Exception ex) { return (null, ex); }
            finally { await transport.DisposeAsync(); }
        }
    }

    [Fact]
    public async Task With_the_same_fingerprint_the_responder_leaves_its_schema_out()
    {
        using var dir = new TempDirectory();
        await using var clinic = await Nodes.OpenAsync(dir.Sub("clinic"), 1, Contract("v1", V1));
        await using var hub = await Nodes.OpenAsync(dir.Sub("hub"), 2, Contract("v1", V1));
        await Nodes.SubmitManyAsync(clinic, 3, "c");

        var (outcome, fromClinic, fromHub) = await RecordAsync(clinic, hub);

        var (clinicStats, hubStats) = outcome.Require();
        Assert.Equal(3, hubStats.EventsReceived);
        Assert.Equal(V1, Assert.IsType<HandshakeMessage>(fromClinic[0]).ContractSchema);
        var reply = Assert.IsType<HandshakeMessage>(fromHub[0]);
        Assert.Equal("v1", reply.ContractFingerprint);
        Assert.Equal("", reply.ContractSchema);
        // The bytes say so too: the hub's handshake is shorter than the clinic's by about the schema.
        Assert.True(SyncMessageCodec.ToBytes(fromClinic[0]).Length - SyncMessageCodec.ToBytes(reply).Length >= V1.Length - 8);
        Assert.Equal(clinicStats.BytesReceived, hubStats.BytesSent);
    }

    [Fact]
    public async Task With_different_fingerprints_both_schemas_travel_and_compatible_contracts_sync()
    {
        using var dir = new TempDirectory();
        await using var clinic = await Nodes.OpenAsync(dir.Sub("clinic"), 1, Contract("v1", V1));
        await using var hub = await Nodes.OpenAsync(dir.Sub("hub"), 2, Contract("v2", V2Compatible));
        await Nodes.SubmitManyAsync(clinic, 2, "c");
        await Nodes.SubmitManyAsync(hub, 2, "h");

        var (outcome, fromClinic, fromHub) = await RecordAsync(clinic, hub);

        outcome.Require();
        Assert.Equal(V1, Assert.IsType<HandshakeMessage>(fromClinic[0]).ContractSchema);
        Assert.Equal(V2Compatible, Assert.IsType<HandshakeMessage>(fromHub[0]).ContractSchema);
        Assert.Equal(clinic.Known, hub.Known);
    }

    [Fact]
    public async Task With_different_fingerprints_conflicting_contracts_are_still_refused_naming_the_event_and_slot()
    {
        using var dir = new TempDirectory();
        await using var clinic = await Nodes.OpenAsync(dir.Sub("clinic"), 1, Contract("v1", V1));
        await using var hub = await Nodes.OpenAsync(dir.Sub("hub"), 2, Contract("v2b", V2Breaking));
        await Nodes.SubmitManyAsync(clinic, 1, "c");

        var (outcome, _, fromHub) = await RecordAsync(clinic, hub);

        Assert.Contains("event 2 (Clinic.VitalsRecorded) slot 1 (Systolic)", Assert.IsType<SyncRefusedException>(outcome.InitiatorError).Message);
        Assert.Contains("event 2 (Clinic.VitalsRecorded) slot 1 (Systolic)", Assert.IsType<SyncRefusedException>(outcome.ResponderError).Message);
        Assert.Equal(RefuseReason.ContractMismatch, Assert.IsType<RefuseMessage>(Assert.Single(fromHub)).Reason);
        Assert.Equal(0UL, hub.Known[clinic.NodeId]);
    }

    // ---- the initiator told the peer's contract ------------------------------------------------------------------

    [Fact]
    public async Task Told_the_peer_has_its_contract_the_initiator_leaves_its_schema_out_too()
    {
        using var dir = new TempDirectory();
        await using var clinic = await Nodes.OpenAsync(dir.Sub("clinic"), 1, Contract("v1", V1));
        await using var hub = await Nodes.OpenAsync(dir.Sub("hub"), 2, Contract("v1", V1));
        await Nodes.SubmitManyAsync(clinic, 2, "c");

        var (first, _, _) = await RecordAsync(clinic, hub);
        string? learned = first.Require().Initiator.PeerContractFingerprint;
        Assert.Equal("v1", learned);
        await Nodes.SubmitManyAsync(clinic, 2, "d");
        var (second, fromClinic, fromHub) = await RecordAsync(clinic, hub, s => s.WithPeerContract(learned));

        var (clinicStats, hubStats) = second.Require();
        Assert.Equal(2, hubStats.EventsReceived);
        var hello = Assert.IsType<HandshakeMessage>(fromClinic[0]);
        Assert.Equal(("", HandshakeFlags.SchemaOmitted), (hello.ContractSchema, hello.Flags));
        var reply = Assert.IsType<HandshakeMessage>(fromHub[0]);
        Assert.Equal(("", HandshakeFlags.CanRequestSchema), (reply.ContractSchema, reply.Flags));
        Assert.DoesNotContain(fromClinic, m => m is ContractSchemaMessage);
        Assert.Equal("v1", clinicStats.PeerContractFingerprint);
        Assert.Null(hubStats.PeerContractFingerprint);
    }

    [Fact]
    public async Task A_peer_whose_contract_changed_compatibly_asks_for_the_schema_and_the_session_goes_on()
    {
        using var dir = new TempDirectory();
        await using var clinic = await Nodes.OpenAsync(dir.Sub("clinic"), 1, Contract("v1", V1));
        await using var hub = await Nodes.OpenAsync(dir.Sub("hub"), 2, Contract("v2", V2Compatible));
        await Nodes.SubmitManyAsync(clinic, 3, "c");
        await Nodes.SubmitManyAsync(hub, 2, "h");
        const long Budget = 2000;

        var (outcome, fromClinic, fromHub) = await RecordAsync(clinic, hub, s => s.WithPeerContract("v1").WithMaxBytes(Budget));

        var (clinicStats, hubStats) = outcome.Require();
        Assert.Equal(clinic.Known, hub.Known);
        var reply = Assert.IsType<HandshakeMessage>(fromHub[0]);
        Assert.Equal(V2Compatible, reply.ContractSchema);
        Assert.Equal(HandshakeFlags.CanRequestSchema | HandshakeFlags.SchemaRequested, reply.Flags);
        // The schema comes right after the handshake, before any event.
        Assert.Equal([SyncMessageKind.Handshake, SyncMessageKind.ContractSchema, SyncMessageKind.EventBatch, SyncMessageKind.SyncComplete],
            fromClinic.Select(m => m.Kind));
        Assert.Equal(V1, Assert.IsType<ContractSchemaMessage>(fromClinic[1]).Schema);
        Assert.Equal("v2", clinicStats.PeerContractFingerprint);
        // Counted like every other message: the budget still holds, in both directions.
        Assert.Equal(fromClinic.Sum(m => (long)SyncMessageCodec.ToBytes(m).Length), clinicStats.BytesSent);
        Assert.InRange(clinicStats.BytesSent, 1, Budget);
        Assert.InRange(hubStats.BytesSent, 1, Budget);
    }

    [Fact]
    public async Task A_peer_whose_contract_changed_incompatibly_is_refused_naming_the_event_and_slot()
    {
        using var dir = new TempDirectory();
        await using var clinic = await Nodes.OpenAsync(dir.Sub("clinic"), 1, Contract("v1", V1));
        await using var hub = await Nodes.OpenAsync(dir.Sub("hub"), 2, Contract("v2b", V2Breaking));
        await Nodes.SubmitManyAsync(clinic, 1, "c");

        var (outcome, fromClinic, _) = await RecordAsync(clinic, hub, s => s.WithPeerContract("v1"));

        // The clinic judges with the hub's schema and refuses before sending its own.
        Assert.Contains("event 2 (Clinic.VitalsRecorded) slot 1 (Systolic)", Assert.IsType<SyncRefusedException>(outcome.InitiatorError).Message);
        Assert.Contains("event 2 (Clinic.VitalsRecorded) slot 1 (Systolic)", Assert.IsType<SyncRefusedException>(outcome.ResponderError).Message);
        Assert.Equal([SyncMessageKind.Handshake, SyncMessageKind.Refuse], fromClinic.Select(m => m.Kind));
        Assert.Equal(0UL, hub.Known[clinic.NodeId]);
    }

    [Fact]
    public async Task A_stale_fingerprint_never_makes_the_initiator_omit_a_schema_it_needs()
    {
        using var dir = new TempDirectory();
        await using var clinic = await Nodes.OpenAsync(dir.Sub("clinic"), 1, Contract("v2", V2Compatible));
        await using var hub = await Nodes.OpenAsync(dir.Sub("hub"), 2, Contract("v1", V1));

        var (outcome, fromClinic, _) = await RecordAsync(clinic, hub, s => s.WithPeerContract("v1"));

        outcome.Require();
        var hello = Assert.IsType<HandshakeMessage>(fromClinic[0]);
        Assert.Equal((V2Compatible, HandshakeFlags.None), (hello.ContractSchema, hello.Flags));
    }

    // ---- hostile peers -------------------------------------------------------------------------------------------

    private static HandshakeMessage Hello(ulong node, SyncRole role, string fingerprint, string schema = "", HandshakeFlags flags = HandshakeFlags.None) =>
        new(SyncMessageCodec.ProtocolVersion, new NodeId(node), role, fingerprint, 0, new VersionVector(), schema, flags);

    private static async Task<SyncMessage> ReceiveAsync(InMemoryTransport transport) =>
        SyncMessageCodec.Read((await transport.ReceiveAsync(CancellationToken.None))!.Value);

    [Fact]
    public async Task A_schema_nobody_asked_for_is_a_protocol_violation()
    {
        using var dir = new TempDirectory();
        await using var hub = await Nodes.OpenAsync(dir.Sub("hub"), 2, Contract("v1", V1));
        var (peer, served) = InMemoryTransport.CreatePair();
        await using var _ = peer;
        var serving = hub.CreateSession(served).ServeOneAsync();

        await peer.SendAsync(SyncMessageCodec.ToBytes(Hello(1, SyncRole.Initiator, "v1", V1)), CancellationToken.None);
        Assert.Equal(HandshakeFlags.CanRequestSchema, Assert.IsType<HandshakeMessage>(await ReceiveAsync(peer)).Flags);
        await peer.SendAsync(SyncMessageCodec.ToBytes(new ContractSchemaMessage(V1)), CancellationToken.None);
        while (await ReceiveAsync(peer) is not RefuseMessage) { }

        await Assert.ThrowsAsync<SyncProtocolException>(() => serving);
        await served.DisposeAsync();
    }

    [Fact]
    public async Task An_initiator_asked_for_its_schema_that_sends_events_instead_is_refused_unjudged()
    {
        using var dir = new TempDirectory();
        await using var hub = await Nodes.OpenAsync(dir.Sub("hub"), 2, Contract("v2b", V2Breaking));
        var (peer, served) = InMemoryTransport.CreatePair();
        await using var _ = peer;
        var serving = hub.CreateSession(served).ServeOneAsync();

        await peer.SendAsync(SyncMessageCodec.ToBytes(Hello(1, SyncRole.Initiator, "v1", flags: HandshakeFlags.SchemaOmitted)), CancellationToken.None);
        var reply = Assert.IsType<HandshakeMessage>(await ReceiveAsync(peer));
        Assert.True(reply.Flags.HasFlag(HandshakeFlags.SchemaRequested));
        var events = new[] { new EventEnvelope(new NodeId(1), 1, new Hlc(1, 0), 1, "x"u8.ToArray()) };
        await peer.SendAsync(SyncMessageCodec.ToBytes(new EventBatchMessage(events)), CancellationToken.None);
        var refuse = Assert.IsType<RefuseMessage>(await ReceiveAsync(peer));

        Assert.Equal(RefuseReason.ProtocolViolation, refuse.Reason);
        await Assert.ThrowsAsync<SyncProtocolException>(() => serving);
        Assert.Equal(0UL, hub.Known[new NodeId(1)]);
        await served.DisposeAsync();
    }

    [Theory]
    [InlineData(false, "v1", (byte)(HandshakeFlags.CanRequestSchema | HandshakeFlags.SchemaRequested))] // asks for what it was sent
    [InlineData(true, "v2", (byte)HandshakeFlags.CanRequestSchema)] // another contract, judged without our schema
    public async Task A_responder_breaking_the_schema_exchange_is_a_protocol_violation(bool omit, string fingerprint, byte flagBits)
    {
        // A byte, not HandshakeFlags: a public test method cannot take the runtime's internal wire types.
        var flags = (HandshakeFlags)flagBits;
        using var dir = new TempDirectory();
        await using var clinic = await Nodes.OpenAsync(dir.Sub("clinic"), 1, Contract("v1", V1));
        var (mine, fake) = InMemoryTransport.CreatePair();
        await using var _ = fake;
        var syncing = clinic.CreateSession(mine).WithPeerContract(omit ? "v1" : null).SyncAsync(new NodeId(2));

        var hello = Assert.IsType<HandshakeMessage>(await ReceiveAsync(fake));
        Assert.Equal(omit, hello.Flags.HasFlag(HandshakeFlags.SchemaOmitted));
        await fake.SendAsync(SyncMessageCodec.ToBytes(Hello(2, SyncRole.Responder, fingerprint, V2Compatible, flags)), CancellationToken.None);

        Assert.Equal(RefuseReason.ProtocolViolation, Assert.IsType<RefuseMessage>(await ReceiveAsync(fake)).Reason);
        await Assert.ThrowsAsync<SyncProtocolException>(() => syncing);
        await mine.DisposeAsync();
    }

    [Fact]
    public async Task A_responder_that_cannot_ask_for_schemas_is_never_remembered_for_omitting_one()
    {
        using var dir = new TempDirectory();
        await using var clinic = await Nodes.OpenAsync(dir.Sub("clinic"), 1, Contract("v1", V1));
        var (mine, fake) = InMemoryTransport.CreatePair();
        await using var _ = fake;
        var syncing = clinic.CreateSession(mine).SyncAsync(new NodeId(2));

        // An older protocol-3 hub: no flags at all.
        await ReceiveAsync(fake);
        await fake.SendAsync(SyncMessageCodec.ToBytes(Hello(2, SyncRole.Responder, "v1")), CancellationToken.None);
        await fake.SendAsync(SyncMessageCodec.ToBytes(new SyncCompleteMessage(false, new VersionVector())), CancellationToken.None);
        Assert.IsType<SyncCompleteMessage>(await ReceiveAsync(fake));
        await fake.SendAsync(SyncMessageCodec.ToBytes(new SyncCompleteMessage(false, new VersionVector())), CancellationToken.None);

        Assert.Null((await syncing).PeerContractFingerprint);
        await mine.DisposeAsync();
    }
}

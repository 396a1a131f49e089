using ZamSync.Sync;
using ZamSync.Tests.Support;
using ZamSync.Testing;

namespace ZamSync.Tests.Sync;

/// <summary>
/// The engine remembers, durably, the contract fingerprint each responder presented, and the sessions it initiates use it:
/// the schema stays home without the caller keeping anything (docs/protocol.md, "Contracts").
/// </summary>
public class RememberedContractTests
{
    private const string V1 = """
        zamsync-contract 1
        1 Clinic.PatientRegistered { 0 PatientId: string; 1 Name: string; }
        """;

    private const string V2Compatible = """
        zamsync-contract 1
        1 Clinic.PatientRegistered { 0 PatientId: string; 1 Name: string; 2 Village: string; }
        """;

    private static ZamEngineOptions Contract(string fingerprint, string schema, IPeerStore? peers = null) =>
        new() { ContractFingerprint = fingerprint, ContractSchema = schema, PeerStore = peers };

    /// <summary>One session over recording transports: the outcome and the messages each side sent.</summary>
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

    private static HandshakeMessage Hello(IReadOnlyList<SyncMessage> sent) => Assert.IsType<HandshakeMessage>(sent[0]);

    [Fact]
    public async Task The_hubs_fingerprint_survives_a_restart_and_the_next_session_carries_no_initiator_schema()
    {
        using var dir = new TempDirectory();
        string clinicDir = dir.Sub("clinic");
        await using var hub = await Nodes.OpenAsync(dir.Sub("hub"), 2, Contract("v1", V1));
        IReadOnlyList<SyncMessage> first;
        await using (var clinic = await Nodes.OpenAsync(clinicDir, 1, Contract("v1", V1)))
        {
            await Nodes.SubmitManyAsync(clinic, 2, "c");
            (var outcome, first, _) = await RecordAsync(clinic, hub);
            outcome.Require();
            Assert.Equal(V1, Hello(first).ContractSchema);
            Assert.Equal("v1", clinic.PeerContract(hub.NodeId));
        }

        await using var reopened = await Nodes.OpenAsync(clinicDir, 1, Contract("v1", V1));
        Assert.Equal("v1", reopened.PeerContract(hub.NodeId));
        await Nodes.SubmitManyAsync(reopened, 2, "d");
        var (second, fromClinic, fromHub) = await RecordAsync(reopened, hub);

        var (clinicStats, hubStats) = second.Require();
        Assert.Equal(2, hubStats.EventsReceived);
        Assert.Equal(reopened.Known, hub.Known);
        Assert.Equal(("", HandshakeFlags.SchemaOmitted), (Hello(fromClinic).ContractSchema, Hello(fromClinic).Flags));
        Assert.Equal(("", HandshakeFlags.CanRequestSchema), (Hello(fromHub).ContractSchema, Hello(fromHub).Flags));
        Assert.DoesNotContain(fromClinic, m => m is ContractSchemaMessage);
        // The bytes say so too: the handshake is shorter than the first session's by about the schema.
        int saved = SyncMessageCodec.ToBytes(first[0]).Length - SyncMessageCodec.ToBytes(fromClinic[0]).Length;
        Assert.InRange(saved, V1.Length - 8, V1.Length + 8);
        Assert.Equal(fromClinic.Sum(m => (long)SyncMessageCodec.ToBytes(m).Length), clinicStats.BytesSent);
    }

    [Fact]
    public async Task A_hub_whose_contract_changed_asks_for_the_schema_the_session_syncs_and_the_new_fingerprint_is_remembered()
    {
        using var dir = new TempDirectory();
        string hubDir = dir.Sub("hub");
        await using var clinic = await Nodes.OpenAsync(dir.Sub("clinic"), 1, Contract("v1", V1));
        await using (var hub = await Nodes.OpenAsync(hubDir, 2, Contract("v1", V1)))
            (await RecordAsync(clinic, hub)).Outcome.Require();
        Assert.Equal("v1", clinic.PeerContract(new NodeId(2)));

        // The hub is upgraded to a compatible contract; the clinic still remembers v1 and leaves its schema out.
        await using var upgraded = await Nodes.OpenAsync(hubDir, 2, Contract("v2", V2Compatible));
        await Nodes.SubmitManyAsync(clinic, 3, "c");
        await Nodes.SubmitManyAsync(upgraded, 2, "h");
        var (outcome, fromClinic, fromHub) = await RecordAsync(clinic, upgraded);

        var (clinicStats, hubStats) = outcome.Require();
        Assert.Equal((2, 3), (clinicStats.EventsReceived, hubStats.EventsReceived));
        Assert.Equal(clinic.Known, upgraded.Known);
        Assert.Equal(HandshakeFlags.SchemaOmitted, Hello(fromClinic).Flags);
        Assert.Equal(HandshakeFlags.CanRequestSchema | HandshakeFlags.SchemaRequested, Hello(fromHub).Flags);
        Assert.Equal(V1, Assert.IsType<ContractSchemaMessage>(fromClinic[1]).Schema);
        Assert.Equal("v2", clinic.PeerContract(upgraded.NodeId));

        // Now the contracts differ, so the next session sends the schema at once: no request, no extra round trip.
        var (next, nextFromClinic, nextFromHub) = await RecordAsync(clinic, upgraded);
        next.Require();
        Assert.Equal((V1, HandshakeFlags.None), (Hello(nextFromClinic).ContractSchema, Hello(nextFromClinic).Flags));
        Assert.Equal(HandshakeFlags.CanRequestSchema, Hello(nextFromHub).Flags);
        Assert.DoesNotContain(nextFromClinic, m => m is ContractSchemaMessage);
        Assert.Equal("v2", clinic.PeerContract(upgraded.NodeId));
    }

    [Fact]
    public async Task WithPeerContract_overrides_what_the_engine_remembers_and_null_sends_the_schema()
    {
        using var dir = new TempDirectory();
        await using var clinic = await Nodes.OpenAsync(dir.Sub("clinic"), 1, Contract("v1", V1));
        await using var hub = await Nodes.OpenAsync(dir.Sub("hub"), 2, Contract("v1", V1));
        (await RecordAsync(clinic, hub)).Outcome.Require();

        var (optedOut, fromClinic, _) = await RecordAsync(clinic, hub, s => s.WithPeerContract(null));
        optedOut.Require();
        Assert.Equal((V1, HandshakeFlags.None), (Hello(fromClinic).ContractSchema, Hello(fromClinic).Flags));
        Assert.Equal("v1", clinic.PeerContract(hub.NodeId)); // still learned from the reply

        var (stale, staleFromClinic, _) = await RecordAsync(clinic, hub, s => s.WithPeerContract("v0"));
        stale.Require();
        Assert.Equal(V1, Hello(staleFromClinic).ContractSchema);
    }

    [Fact]
    public async Task Only_the_initiator_learns_the_peers_contract_and_serving_changes_nothing_it_remembers()
    {
        using var dir = new TempDirectory();
        await using var clinic = await Nodes.OpenAsync(dir.Sub("clinic"), 1, Contract("v1", V1));
        await using var hub = await Nodes.OpenAsync(dir.Sub("hub"), 2, Contract("v1", V1));
        (await RecordAsync(clinic, hub)).Outcome.Require();
        // The hub only served: it learns nothing to rely on from an initiator's handshake.
        Assert.Null(hub.PeerContract(clinic.NodeId));

        var (reverse, fromHub, _) = await RecordAsync(hub, clinic);
        reverse.Require();

        Assert.Equal(V1, Hello(fromHub).ContractSchema);
        Assert.Equal("v1", clinic.PeerContract(hub.NodeId));
        Assert.Equal("v1", hub.PeerContract(clinic.NodeId));
    }

    // ---- responders that cannot ask for schemas -----------------------------------------------------------------

    private static HandshakeMessage Reply(string fingerprint, HandshakeFlags flags = HandshakeFlags.None) =>
        new(SyncMessageCodec.ProtocolVersion, new NodeId(2), SyncRole.Responder, fingerprint, 0, new VersionVector(), "", flags);

    private static async Task<SyncMessage> ReceiveAsync(InMemoryTransport transport) =>
        SyncMessageCodec.Read((await transport.ReceiveAsync(CancellationToken.None))!.Value);

    [Fact]
    public async Task A_remembered_hub_that_now_cannot_ask_for_schemas_is_forgotten()
    {
        using var dir = new TempDirectory();
        var peers = new MemoryPeerStore(new() { [new NodeId(2)] = new PeerRecord(new VersionVector(), "v1") });
        await using var clinic = await Nodes.OpenAsync(dir.Sub("clinic"), 1, Contract("v1", V1, peers));
        var (mine, fake) = InMemoryTransport.CreatePair();
        await using var _ = fake;
        var syncing = clinic.CreateSession(mine).SyncAsync(new NodeId(2));

        // An earlier protocol-3 hub with the same contract: no flags, so nothing to rely on next time.
        Assert.Equal(HandshakeFlags.SchemaOmitted, Assert.IsType<HandshakeMessage>(await ReceiveAsync(fake)).Flags);
        await fake.SendAsync(SyncMessageCodec.ToBytes(Reply("v1")), CancellationToken.None);
        await fake.SendAsync(SyncMessageCodec.ToBytes(new SyncCompleteMessage(false, new VersionVector())), CancellationToken.None);
        Assert.IsType<SyncCompleteMessage>(await ReceiveAsync(fake));
        await fake.SendAsync(SyncMessageCodec.ToBytes(new SyncCompleteMessage(false, new VersionVector())), CancellationToken.None);

        Assert.Null((await syncing).PeerContractFingerprint);
        Assert.Null(clinic.PeerContract(new NodeId(2)));
        Assert.Null(peers.Saved[new NodeId(2)].ContractFingerprint);
        await mine.DisposeAsync();
    }

    [Fact]
    public async Task A_remembered_hub_that_refuses_the_omitted_schema_by_fingerprint_is_forgotten_and_the_next_session_sends_it()
    {
        using var dir = new TempDirectory();
        var peers = new MemoryPeerStore(new() { [new NodeId(2)] = new PeerRecord(new VersionVector(), "v1") });
        await using var clinic = await Nodes.OpenAsync(dir.Sub("clinic"), 1, Contract("v1", V1, peers));
        var (mine, fake) = InMemoryTransport.CreatePair();
        await using var _ = fake;
        var syncing = clinic.CreateSession(mine).SyncAsync(new NodeId(2));

        // An earlier protocol-3 hub whose contract changed judges by fingerprint alone, and refuses.
        Assert.Equal(HandshakeFlags.SchemaOmitted, Assert.IsType<HandshakeMessage>(await ReceiveAsync(fake)).Flags);
        await fake.SendAsync(SyncMessageCodec.ToBytes(new RefuseMessage(RefuseReason.ContractMismatch, "contract fingerprints differ")), CancellationToken.None);

        await Assert.ThrowsAsync<SyncRefusedException>(() => syncing);
        Assert.Null(clinic.PeerContract(new NodeId(2)));
        Assert.Null(peers.Saved[new NodeId(2)].ContractFingerprint);
        await mine.DisposeAsync();

        var (again, fake2) = InMemoryTransport.CreatePair();
        await using var __ = again;
        var retry = clinic.CreateSession(again).SyncAsync(new NodeId(2));
        var hello = Assert.IsType<HandshakeMessage>(await ReceiveAsync(fake2));
        Assert.Equal((V1, HandshakeFlags.None), (hello.ContractSchema, hello.Flags));
        await fake2.DisposeAsync();
        await Assert.ThrowsAsync<SyncDisconnectedException>(() => retry);
    }

    /// <summary>An <see cref="IPeerStore"/> in memory, seeded, that keeps what was saved.</summary>
    private sealed class MemoryPeerStore(Dictionary<NodeId, PeerRecord> seed) : IPeerStore
    {
        public Dictionary<NodeId, PeerRecord> Saved { get; } = seed;

        public ValueTask<IReadOnlyDictionary<NodeId, PeerRecord>> LoadAsync(CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyDictionary<NodeId, PeerRecord>>(Saved.ToDictionary());

        public ValueTask SaveAsync(IReadOnlyDictionary<NodeId, PeerRecord> changed, CancellationToken cancellationToken = default)
        {
            foreach (var (peer, record) in changed) Saved[peer] = record with { Holds = record.Holds.Clone() };
            return ValueTask.CompletedTask;
        }
    }
}

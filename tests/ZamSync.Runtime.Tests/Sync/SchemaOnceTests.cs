using ZamSync.Sync;
using ZamSync.Tests.Support;
using ZamSync.Transport;

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
}

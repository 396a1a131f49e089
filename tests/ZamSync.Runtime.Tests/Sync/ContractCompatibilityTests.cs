using ZamSync.Sync;
using ZamSync.Tests.Support;

namespace ZamSync.Tests.Sync;

public class ContractCompatibilityTests
{
    private const string V1 = """
        zamsync-contract 1
        1 Clinic.PatientRegistered { 0 PatientId: string; 1 Name: string; }
        2 Clinic.VitalsRecorded { 0 PatientId: string; 1 Systolic: int; 2 Diastolic: int; }
        """;

    // A newer node: a new optional member (slot 2), a new event, a generic type with a space in its name.
    private const string V2Compatible = """
        zamsync-contract 1
        1 Clinic.PatientRegistered { 0 PatientId: string; 1 Name: string; 2 Village: string; }
        2 Clinic.VitalsRecorded { 0 PatientId: string; 1 Systolic: int; 2 Diastolic: int; }
        3 Clinic.StockCounted { 0 Counts: System.Collections.Generic.Dictionary<string, int>; }
        """;

    // A breaking change: slot 1 of event 2 changed its type.
    private const string V2Breaking = """
        zamsync-contract 1
        1 Clinic.PatientRegistered { 0 PatientId: string; 1 Name: string; }
        2 Clinic.VitalsRecorded { 0 PatientId: string; 1 Systolic: long; 2 Diastolic: int; }
        """;

    [Fact]
    public void New_events_and_new_slots_are_compatible_both_ways()
    {
        Assert.Empty(ContractCompatibility.Differences(V1, V2Compatible));
        Assert.Empty(ContractCompatibility.Differences(V2Compatible, V1));
    }

    [Fact]
    public void A_slot_whose_type_changed_is_a_difference_that_names_the_event_and_slot()
    {
        var difference = Assert.Single(ContractCompatibility.Differences(V1, V2Breaking));
        Assert.Contains("event 2 (Clinic.VitalsRecorded) slot 1 (Systolic) is int here but long there", difference);
    }

    [Fact]
    public async Task Nodes_with_compatible_contracts_sync_although_their_fingerprints_differ()
    {
        using var dir = new TempDirectory();
        await using var old = await Nodes.OpenAsync(dir.Sub("old"), 1, new ZamEngineOptions { ContractFingerprint = "v1", ContractSchema = V1 });
        await using var updated = await Nodes.OpenAsync(dir.Sub("new"), 2, new ZamEngineOptions { ContractFingerprint = "v2", ContractSchema = V2Compatible });
        await Nodes.SubmitManyAsync(old, 2, "old");
        await Nodes.SubmitManyAsync(updated, 3, "new");

        await Nodes.SyncAsync(old, updated);

        Assert.Equal(old.Known, updated.Known);
        Assert.Equal(5, old.State.Count);
    }

    [Fact]
    public async Task Nodes_with_conflicting_contracts_are_refused_with_what_differs()
    {
        using var dir = new TempDirectory();
        await using var old = await Nodes.OpenAsync(dir.Sub("old"), 1, new ZamEngineOptions { ContractFingerprint = "v1", ContractSchema = V1 });
        await using var broken = await Nodes.OpenAsync(dir.Sub("new"), 2, new ZamEngineOptions { ContractFingerprint = "v2b", ContractSchema = V2Breaking });
        await Nodes.SubmitManyAsync(old, 1, "old");

        var outcome = await Sessions.RunAsync(old, broken);

        var refused = Assert.IsType<SyncRefusedException>(outcome.InitiatorError);
        Assert.Contains("slot 1 (Systolic)", refused.Message);
        Assert.IsType<SyncRefusedException>(outcome.ResponderError);
        Assert.Equal(0UL, broken.Known[old.NodeId]);
    }
}

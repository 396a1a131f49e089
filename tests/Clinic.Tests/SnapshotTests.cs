using Clinic.Contracts;
using Clinic.Node;
using ZamSync;
using ZamSync.Testing;

namespace Clinic.Tests;

/// <summary>
/// The clinic's state (patients as plain records with lists of plain records, stock as nested dictionaries) is
/// snapshotted whole by generated formatters, so a hub can compact what every clinic holds and reopen to the same
/// state from the compacted log's base.
/// </summary>
public class SnapshotTests
{
    [Fact]
    public async Task A_hub_compacts_the_clinic_state_and_reopens_to_the_same_digest()
    {
        string root = Path.Combine(Path.GetTempPath(), "zamsync-clinic-snap-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            string hubDir = Path.Combine(root, "hub"), clinicDir = Path.Combine(root, "clinic");
            string digest;
            int applied;
            await using (var hub = await ZamEngine<ClinicNetworkState>.OpenAsync(hubDir, new NodeId(1), NodeDirectory.EngineOptions))
            await using (var clinic = await ZamEngine<ClinicNetworkState>.OpenAsync(clinicDir, new NodeId(7), NodeDirectory.EngineOptions))
            {
                await clinic.SubmitAsync(new PatientRegistered("p1", "Chipo Banda", new DateOnly(1990, 5, 17), Sex.Female, "Mwala"));
                await clinic.SubmitAsync(new VisitRecorded("p1", "v1", "fever", "nurse Ada"));
                await clinic.SubmitAsync(new VitalsRecorded("p1", "v1", 118, 76, 38.6m, null));
                await clinic.SubmitAsync(new VitalsRecorded("p1", "v1", 121, 80, 37.9m, 61.25m));
                await clinic.SubmitAsync(new DiagnosisRecorded("p1", "v1", "B54", "malaria"));
                await clinic.SubmitAsync(new PrescriptionIssued("p1", "v1", "ACT", 6, "2x3 days"));
                await clinic.SubmitAsync(new StockReceived("c7", "ACT", 100, "B-1", new DateOnly(2027, 1, 31)));
                await clinic.SubmitAsync(new StockDispensed("c7", "ACT", 6, "p1"));
                await clinic.SubmitAsync(new PatientRegistered("p2", "Tawanda Moyo", new DateOnly(2001, 1, 2), Sex.Male, "Chisamba"));

                var (ta, tb) = InMemoryTransport.CreatePair();
                await using (ta)
                await using (tb)
                {
                    var serving = hub.CreateSession(tb).ServeOneAsync(clinic.NodeId);
                    await clinic.CreateSession(ta).SyncAsync(hub.NodeId);
                    await serving;
                }
                digest = hub.Read(s => s.Digest());
                applied = hub.Read(s => s.EventsApplied);
                Assert.Equal(clinic.Read(s => s.Digest()), digest);

                var result = await hub.CompactAsync();
                Assert.Equal(9, result.EventsDropped); // the clinic holds every event, so all of them go
                Assert.Equal(digest, hub.Read(s => s.Digest()));
            }

            // The snapshot beside the log is gone too: the state must come from the compacted log's base.
            File.Delete(Path.Combine(hubDir, "state.snapshot"));
            await using (var hub = await ZamEngine<ClinicNetworkState>.OpenAsync(hubDir, new NodeId(1), NodeDirectory.EngineOptions))
            {
                Assert.Equal(digest, hub.Read(s => s.Digest()));
                Assert.Equal(applied, hub.Read(s => s.EventsApplied));
                Assert.Equal(2, hub.Read(s => s.Patients["p1"].Vitals.Count));
                Assert.Equal(94, hub.Read(s => s.Stock["c7"]["ACT"]));
                // Folding goes on from the restored state.
                await hub.SubmitAsync(new VisitRecorded("p2", "v2", "cough", "dr Phiri"));
                Assert.Single(hub.Read(s => s.Patients["p2"].Visits));
            }
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }
}

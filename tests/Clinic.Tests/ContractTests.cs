using Clinic.Contracts;
using Clinic.Node;
using ZamSync;

namespace Clinic.Tests;

public class ContractTests
{
    [Fact]
    public async Task An_engine_takes_its_contract_from_the_generated_attribute_of_the_states_assembly()
    {
        string dir = Path.Combine(Path.GetTempPath(), "zamsync-contract-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            await using var engine = await ZamEngine<ClinicNetworkState>.OpenAsync(dir, new NodeId(3), NodeDirectory.EngineOptions);
            Assert.Equal(ClinicContract.Fingerprint, engine.ContractFingerprint);
            Assert.Contains("8 Clinic.Contracts.PatientTransferred {", engine.ContractSchema);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }
}

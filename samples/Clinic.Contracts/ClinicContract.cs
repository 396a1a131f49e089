namespace Clinic.Contracts;

/// <summary>The contract's identity, for the handshake: nodes built from a different contract refuse each other.</summary>
public static class ClinicContract
{
    public static string Fingerprint => ZamSync.Generated.ZamContracts.Fingerprint;
}

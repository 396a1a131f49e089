using System.Runtime.CompilerServices;

namespace ZamSync.Generators.Tests.Infrastructure;

/// <summary>
/// Verify's conventions without Verify: <c>Snapshots/{name}.verified.cs</c> is committed beside the tests; a
/// mismatch writes <c>{name}.received.cs</c> and fails. A missing snapshot fails too; with
/// <c>ZAMSYNC_ACCEPT=1</c> (never when <c>CI=true</c>) the received text is accepted as the new snapshot.
/// </summary>
public static class Snapshot
{
    public static void Match(string name, string actual, [CallerFilePath] string callerPath = "")
    {
        string directory = Path.Combine(Path.GetDirectoryName(callerPath)!, "Snapshots");
        Directory.CreateDirectory(directory);
        string verified = Path.Combine(directory, name + ".verified.cs");
        string received = Path.Combine(directory, name + ".received.cs");
        actual = actual.Replace("\r\n", "\n");

        if (File.Exists(verified) && File.ReadAllText(verified).Replace("\r\n", "\n") == actual)
        {
            if (File.Exists(received)) File.Delete(received);
            return;
        }

        bool ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        bool accept = Environment.GetEnvironmentVariable("ZAMSYNC_ACCEPT") == "1";
        if (accept && !ci)
        {
            File.WriteAllText(verified, actual);
            if (File.Exists(received)) File.Delete(received);
            return;
        }
        File.WriteAllText(received, actual);
        Assert.Fail(File.Exists(verified)
            ? $"Snapshot '{name}' differs: compare {received} with {verified}; rerun with ZAMSYNC_ACCEPT=1 to accept."
            : $"Snapshot '{name}' is missing: review {received} and rerun with ZAMSYNC_ACCEPT=1 to accept it.");
    }
}

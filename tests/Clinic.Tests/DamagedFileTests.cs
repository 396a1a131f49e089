namespace Clinic.Tests;

/// <summary>
/// A damaged certificate or key file (empty, cut short, or something else entirely) stops <c>sync</c>, <c>issue</c>
/// and <c>serve</c> with one line naming the file, and leaves the stored events alone.
/// </summary>
public sealed class DamagedFileTests : IDisposable
{
    private readonly Workspace _work = new();

    public void Dispose() => _work.Dispose();

    public enum Damage
    {
        Empty,
        Truncated,
        NotACertificate,
    }

    private static void Break(string path, Damage damage)
    {
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, damage switch
        {
            Damage.Empty => [],
            Damage.Truncated => bytes[..(bytes.Length / 2)],
            _ => "this is not a certificate\n"u8.ToArray(),
        });
    }

    [Theory]
    [InlineData("sync", "clinic", "node.pfx", Damage.Empty)]
    [InlineData("sync", "clinic", "node.pfx", Damage.Truncated)]
    [InlineData("sync", "clinic", "node.pfx", Damage.NotACertificate)]
    [InlineData("sync", "clinic", "ca.crt", Damage.Empty)]
    [InlineData("sync", "clinic", "ca.crt", Damage.Truncated)]
    [InlineData("issue", "hub", "ca.pfx", Damage.Empty)]
    [InlineData("issue", "hub", "ca.pfx", Damage.Truncated)]
    [InlineData("issue", "hub", "ca.pfx", Damage.NotACertificate)]
    [InlineData("issue", "hub", "ca.crt", Damage.Truncated)]
    [InlineData("serve", "hub", "node.pfx", Damage.Truncated)]
    [InlineData("serve", "hub", "ca.crt", Damage.Empty)]
    public async Task A_damaged_file_is_named_and_nothing_stored_is_lost(string command, string node, string file, Damage damage)
    {
        await _work.InitDeploymentAsync();
        await Workspace.Succeed("submit", "register", "--dir", _work.Dir("hub"), "--patient", "H-1", "--name", "Pema", "--born", "1985-01-31");
        string path = Path.Combine(_work.Dir(node), "tls", file);
        Break(path, damage);

        var console = new TestConsole();
        string[] args = command switch
        {
            "sync" => ["sync", "--dir", _work.Dir("clinic"), "--hub", $"127.0.0.1:{Workspace.FreePort()}", "--hub-id", "1000"],
            "issue" => ["issue", "--hub-dir", _work.Dir("hub"), "--dir", _work.Dir("clinic")],
            _ => ["serve", "--dir", _work.Dir("hub"), "--listen", "127.0.0.1:0"],
        };
        int exit = await console.RunAsync(args);

        Assert.Equal(1, exit);
        AssertError.OneLineNaming(console, path);
        Assert.Contains(file.EndsWith(".pfx") ? "not a valid PKCS#12" : "not a valid PEM certificate", console.Errors);
        Assert.Contains("1 events applied", await _work.StatusAsync(node));
    }

    [Fact]
    public async Task A_key_file_without_its_key_is_named()
    {
        await _work.InitDeploymentAsync();
        string path = Path.Combine(_work.Dir("clinic"), "tls", "node.pfx");
        using (var withKey = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(path, null))
        using (var withoutKey = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(withKey.RawData))
            File.WriteAllBytes(path, withoutKey.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12));

        var console = new TestConsole();
        Assert.Equal(1, await console.RunAsync("sync", "--dir", _work.Dir("clinic"), "--hub", $"127.0.0.1:{Workspace.FreePort()}", "--hub-id", "1000"));
        AssertError.OneLineNaming(console, path, "not its private key");
    }

    [Fact]
    public async Task A_damaged_node_configuration_is_named()
    {
        await _work.InitDeploymentAsync();
        string path = Path.Combine(_work.Dir("clinic"), "node.json");
        File.WriteAllText(path, "{ \"NodeId\": ");

        var console = new TestConsole();
        Assert.Equal(1, await console.RunAsync("status", "--dir", _work.Dir("clinic")));
        AssertError.OneLineNaming(console, path, "not a valid node configuration");
    }
}

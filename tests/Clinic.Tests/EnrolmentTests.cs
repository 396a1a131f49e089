namespace Clinic.Tests;

/// <summary>
/// request → sign → install: a clinic gets its certificate while the CA's key stays on the hub, and whatever does not
/// belong to this clinic (another node id, another CA, another key) is refused before anything is installed.
/// </summary>
public sealed class EnrolmentTests : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly Workspace _work = new();

    public void Dispose() => _work.Dispose();

    private string Tls(string node, string file) => Path.Combine(_work.Dir(node), "tls", file);

    private string PassphraseFile()
    {
        string path = _work.Dir("ca-passphrase.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "correct horse battery staple\n");
        return path;
    }

    private async Task InitAsync(string passphraseFile)
    {
        await Workspace.Succeed("init", "--dir", _work.Dir("hub"), "--node", "1000", "--hub", "--name", "district", "--ca-passphrase-file", passphraseFile);
        await Workspace.Succeed("init", "--dir", _work.Dir("clinic"), "--node", "7", "--name", "khaling");
    }

    private async Task<string> RequestAndSignAsync(string clinic, string node, string hub, string passphraseFile)
    {
        string csr = _work.Dir($"{clinic}-{node}.csr"), crt = _work.Dir($"{clinic}-{node}.crt");
        await Workspace.Succeed("request", "--dir", _work.Dir(clinic), "--out", csr);
        await Workspace.Succeed("sign", "--hub-dir", _work.Dir(hub), "--request", csr, "--node", node, "--out", crt, "--ca-passphrase-file", passphraseFile);
        return crt;
    }

    private static void AssertOwnerOnly(string path, UnixFileMode mode = OwnerOnly)
    {
        if (!OperatingSystem.IsWindows()) Assert.Equal(mode, File.GetUnixFileMode(path)); // Windows has ACLs, not modes
    }

    [Fact]
    public async Task Request_sign_install_then_a_real_sync_over_mutual_TLS()
    {
        string passphrase = PassphraseFile();
        await InitAsync(passphrase);

        string csr = _work.Dir("clinic-7.csr"), crt = _work.Dir("clinic-7.crt");
        await Workspace.Succeed("request", "--dir", _work.Dir("clinic"), "--out", csr);
        AssertOwnerOnly(Tls("clinic", "node.key"));
        Assert.Contains("-----BEGIN CERTIFICATE REQUEST-----", File.ReadAllText(csr));

        await Workspace.Succeed("sign", "--hub-dir", _work.Dir("hub"), "--request", csr, "--node", "7", "--out", crt, "--ca-passphrase-file", passphrase);
        await Workspace.Succeed("install", "--dir", _work.Dir("clinic"), "--cert", crt, "--ca", Tls("hub", "ca.crt"));

        AssertOwnerOnly(Tls("clinic", "node.pfx"));
        Assert.False(File.Exists(Tls("clinic", "node.key"))); // one copy of the key: in node.pfx
        AssertOwnerOnly(Tls("hub", "ca.pfx"));
        AssertOwnerOnly(Tls("hub", "node.pfx"));
        AssertOwnerOnly(Path.Combine(_work.Dir("clinic"), "tls"), OwnerOnly | UnixFileMode.UserExecute);

        await Workspace.Succeed("submit", "register", "--dir", _work.Dir("clinic"), "--patient", "P-001", "--name", "Dorji", "--born", "1990-04-02");
        await using (var hub = await _work.ServeAsync())
        {
            var sync = new TestConsole();
            Assert.Equal(0, await sync.RunAsync("sync", "--dir", _work.Dir("clinic"), "--hub", hub.Address, "--hub-id", "1000"));
            Assert.Contains("sent 1 events", sync.Output);
        }
        Assert.Contains("1 patients, 1 events applied", await _work.StatusAsync("hub"));
    }

    [Fact]
    public async Task A_certificate_for_another_node_id_is_not_installed()
    {
        string passphrase = PassphraseFile();
        await InitAsync(passphrase);
        await Workspace.Succeed("init", "--dir", _work.Dir("clinic-8"), "--node", "8");
        await Workspace.Succeed("request", "--dir", _work.Dir("clinic"));
        string crt = await RequestAndSignAsync("clinic-8", "8", "hub", passphrase);

        var console = new TestConsole();
        Assert.Equal(1, await console.RunAsync("install", "--dir", _work.Dir("clinic"), "--cert", crt, "--ca", Tls("hub", "ca.crt")));

        AssertError.OneLineNaming(console, crt, "is for node 8", "this clinic is node 7");
        Assert.False(File.Exists(Tls("clinic", "node.pfx")));
    }

    [Fact]
    public async Task A_certificate_from_another_CA_is_not_installed()
    {
        string passphrase = PassphraseFile();
        await InitAsync(passphrase);
        await Workspace.Succeed("init", "--dir", _work.Dir("other-hub"), "--node", "2000", "--hub", "--ca-passphrase-file", passphrase);
        string crt = await RequestAndSignAsync("clinic", "7", "other-hub", passphrase);

        var console = new TestConsole();
        Assert.Equal(1, await console.RunAsync("install", "--dir", _work.Dir("clinic"), "--cert", crt, "--ca", Tls("hub", "ca.crt")));

        AssertError.OneLineNaming(console, crt, $"was not issued by the CA in {Tls("hub", "ca.crt")}");
        Assert.False(File.Exists(Tls("clinic", "node.pfx")));
    }

    [Fact]
    public async Task A_certificate_for_another_key_is_not_installed()
    {
        string passphrase = PassphraseFile();
        await InitAsync(passphrase);
        await Workspace.Succeed("init", "--dir", _work.Dir("impostor"), "--node", "7");
        await Workspace.Succeed("request", "--dir", _work.Dir("clinic"));
        string crt = await RequestAndSignAsync("impostor", "7", "hub", passphrase);

        var console = new TestConsole();
        Assert.Equal(1, await console.RunAsync("install", "--dir", _work.Dir("clinic"), "--cert", crt, "--ca", Tls("hub", "ca.crt")));

        AssertError.OneLineNaming(console, crt, "does not match this clinic's key");
    }

    [Fact]
    public async Task Sign_refuses_a_request_for_another_node_id_than_the_operator_gave()
    {
        string passphrase = PassphraseFile();
        await InitAsync(passphrase);
        string csr = _work.Dir("clinic-7.csr"), crt = _work.Dir("clinic-7.crt");
        await Workspace.Succeed("request", "--dir", _work.Dir("clinic"), "--out", csr);

        var console = new TestConsole();
        Assert.Equal(1, await console.RunAsync("sign", "--hub-dir", _work.Dir("hub"), "--request", csr, "--node", "9", "--out", crt, "--ca-passphrase-file", passphrase));

        AssertError.OneLineNaming(console, csr, "asks for node 7", "--node says 9");
        Assert.False(File.Exists(crt));
    }

    [Fact]
    public async Task Sign_refuses_a_damaged_request_naming_it()
    {
        string passphrase = PassphraseFile();
        await InitAsync(passphrase);
        string csr = _work.Dir("clinic-7.csr");
        await Workspace.Succeed("request", "--dir", _work.Dir("clinic"), "--out", csr);
        string text = File.ReadAllText(csr);
        File.WriteAllText(csr, text[..(text.Length / 2)] + "AAAA" + text[(text.Length / 2 + 4)..]);

        var console = new TestConsole();
        Assert.Equal(1, await console.RunAsync("sign", "--hub-dir", _work.Dir("hub"), "--request", csr, "--node", "7", "--ca-passphrase-file", passphrase));

        AssertError.OneLineNaming(console, csr, "not a valid certificate request");
    }

    [Fact]
    public async Task An_encrypted_CA_key_needs_its_passphrase_and_says_how_to_give_it()
    {
        string passphrase = PassphraseFile();
        await InitAsync(passphrase);
        string wrong = _work.Dir("wrong.txt");
        File.WriteAllText(wrong, "tr0ub4dor&3");

        var none = new TestConsole();
        Assert.Equal(1, await none.RunAsync("issue", "--hub-dir", _work.Dir("hub"), "--dir", _work.Dir("clinic")));
        AssertError.OneLineNaming(none, Tls("hub", "ca.pfx"), "protected by a passphrase", "--ca-passphrase-file", "ZAMSYNC_CA_PASSPHRASE");

        var mistyped = new TestConsole();
        Assert.Equal(1, await mistyped.RunAsync("issue", "--hub-dir", _work.Dir("hub"), "--dir", _work.Dir("clinic"), "--ca-passphrase-file", wrong));
        AssertError.OneLineNaming(mistyped, Tls("hub", "ca.pfx"), "the passphrase is wrong");
        Assert.False(File.Exists(Tls("clinic", "node.pfx")));

        await Workspace.Succeed("issue", "--hub-dir", _work.Dir("hub"), "--dir", _work.Dir("clinic"), "--ca-passphrase-file", passphrase);
        AssertOwnerOnly(Tls("clinic", "node.pfx"));
    }

    [Fact]
    public async Task Install_without_a_request_says_to_run_request_first()
    {
        await InitAsync(PassphraseFile());
        var console = new TestConsole();
        Assert.Equal(1, await console.RunAsync("install", "--dir", _work.Dir("clinic"), "--cert", _work.Dir("x.crt"), "--ca", Tls("hub", "ca.crt")));
        AssertError.OneLineNaming(console, Tls("clinic", "node.key"), "`request --dir");
    }
}

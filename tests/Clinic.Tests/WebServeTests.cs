using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Clinic.Tests;

/// <summary>
/// <c>serve --http</c>: the hub's HTTP API (and dashboard) in the hub's own process, over the engine it serves sync
/// from, behind the token file it creates; nothing but <c>/health</c> answers without a credential.
/// </summary>
public sealed partial class WebServeTests : IDisposable
{
    private readonly Workspace _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // token file modes are POSIX
    public async Task Serve_with_http_answers_the_api_from_the_running_hub_behind_a_token_it_created()
    {
        await _work.InitDeploymentAsync();
        await using var hub = await _work.ServeAsync("hub", "--http", "127.0.0.1:0", "--clinic-max-bytes-per-day", "20kB");
        var web = await WebAsync(hub);

        // The token file was created mode 0600 with one coordinator token; the command printed where it is.
        string tokens = Path.Combine(_work.Dir("hub"), "api-tokens");
        Assert.Equal(tokens, web.TokenFile);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tokens));
        using var client = Client(web.Address, Token(tokens));
        using var anonymous = new HttpClient { BaseAddress = web.Address };

        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(web.Dashboard)).StatusCode); // the sign-in form
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(web.Dashboard)).StatusCode);
        Assert.Equal(new Uri(web.Address, "dashboard/"), web.Dashboard);
        foreach (var path in new[] { "/ready", "/api/status", "/api/peers", "/api/events", "/api/quarantine", "/metrics" })
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(path)).StatusCode);

        // A clinic syncs with the serving hub; the API sees it at once: the same engine, not a copy opened beside it.
        await Workspace.Succeed("sync", "--dir", _work.Dir("clinic"), "--hub", hub.Address, "--hub-id", "1000");
        using var status = JsonDocument.Parse(await client.GetStringAsync("/api/status"));
        Assert.Equal("1000", status.RootElement.GetProperty("node").GetString());
        Assert.Equal(1, status.RootElement.GetProperty("events").GetInt64());
        Assert.Equal("coordinator", status.RootElement.GetProperty("caller").GetProperty("role").GetString());
        // The hub records a session once it has stored what it learned, which can trail the clinic's return.
        var clinic = await SessionsRecordedAsync(client, "7", 1);
        Assert.Equal(1, clinic.GetProperty("sessions").GetInt32());
        Assert.True(clinic.GetProperty("bytesReceived").GetInt64() > 0);
        using var traffic = JsonDocument.Parse(await client.GetStringAsync("/api/traffic"));
        Assert.Equal(20_000, traffic.RootElement.GetProperty("budgetBytesPerDay").GetInt64());
        Assert.Equal(1, traffic.RootElement.GetProperty("sessions").GetProperty("completed").EnumerateArray().Sum(e => e.GetInt32()));
        using var page = JsonDocument.Parse(await client.GetStringAsync("/api/events"));
        Assert.Equal("7", page.RootElement.GetProperty("events").EnumerateArray().Single().GetProperty("origin").GetString());
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // token file modes are POSIX
    public async Task A_second_start_keeps_the_token_file_and_an_unsafe_one_stops_the_hub_with_one_line()
    {
        await _work.InitDeploymentAsync();
        string tokens = Path.Combine(_work.Dir("hub"), "api-tokens");
        await using (var first = await _work.ServeAsync("hub", "--http", "127.0.0.1:0")) await WebAsync(first);
        string token = Token(tokens);
        await using (var second = await _work.ServeAsync("hub", "--http", "127.0.0.1:0"))
        {
            var web = await WebAsync(second);
            Assert.Equal(token, Token(tokens));
            using var client = Client(web.Address, token);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/status")).StatusCode);
        }

        File.SetUnixFileMode(tokens, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var console = new TestConsole();
        Assert.Equal(1, await console.RunAsync("serve", "--dir", _work.Dir("hub"), "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0"));
        Assert.Matches(@"^error: The ZamSync API token file '.*api-tokens' has mode 0604.*chmod 600", console.Errors.Trim());
    }

    [Fact]
    public async Task Serve_with_https_uses_the_hubs_certificate_and_takes_a_clinics_certificate_as_its_credential()
    {
        await _work.InitDeploymentAsync();
        await using var hub = await _work.ServeAsync("hub", "--https", "127.0.0.1:0", "--own-only");
        var web = await WebAsync(hub);
        Assert.Equal("https", web.Address.Scheme);

        // Trust only the deployment's CA (the hub's certificate names a node, not a host name).
        string ca = Path.Combine(_work.Dir("hub"), "tls", "ca.crt");
        HttpClient Client(X509Certificate2? certificate) => TrustingDeployment(web.Address, ca, certificate);

        using (var anonymous = Client(null))
        {
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/status")).StatusCode);
        }
        using var certificate = X509CertificateLoader.LoadPkcs12FromFile(Path.Combine(_work.Dir("clinic"), "tls", "node.pfx"), null);
        using var clinic = Client(certificate);
        using var status = JsonDocument.Parse(await clinic.GetStringAsync("/api/status"));
        var caller = status.RootElement.GetProperty("caller");
        Assert.Equal("node", caller.GetProperty("role").GetString());
        Assert.Equal("7", caller.GetProperty("node").GetString());
        Assert.Equal("certificate", caller.GetProperty("via").GetString());
        Assert.False(caller.GetProperty("readsAll").GetBoolean()); // --own-only holds on the web too
        Assert.Equal(HttpStatusCode.OK, (await clinic.GetAsync(web.Dashboard)).StatusCode); // no sign-in form with a certificate
    }

    [Fact]
    public async Task A_clinic_syncs_over_the_hubs_wss_endpoint_with_its_certificate_and_the_hub_records_it()
    {
        await _work.InitDeploymentAsync();
        await using var hub = await _work.ServeAsync("hub", "--https", "127.0.0.1:0");
        var web = await WebAsync(hub);
        string wss = $"wss://127.0.0.1:{web.Address.Port}/sync";

        var console = new TestConsole();
        Assert.Equal(0, await console.RunAsync("sync", "--dir", _work.Dir("clinic"), "--hub", wss, "--hub-id", "1000"));
        Assert.Contains("Synced with hub 1000: sent 1 events", console.Output);

        // The hub learned the clinic's event over the WebSocket; a wrong hub id is refused by the hub's certificate.
        using var client = Client(web.Address, Token(Path.Combine(_work.Dir("hub"), "api-tokens")), Path.Combine(_work.Dir("hub"), "tls", "ca.crt"));
        var clinic = await SessionsRecordedAsync(client, "7", 1);
        Assert.True(clinic.GetProperty("bytesReceived").GetInt64() > 0);
        var wrong = new TestConsole();
        Assert.Equal(1, await wrong.RunAsync("sync", "--dir", _work.Dir("clinic"), "--hub", wss, "--hub-id", "1001"));
        Assert.Contains("expected hub 1001, but the certificate is for node 1000", wrong.Errors);
    }

    [Fact]
    public async Task A_taken_web_port_stops_serve_with_one_line_naming_it()
    {
        await _work.InitDeploymentAsync();
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        string address = $"127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";
        var console = new TestConsole();
        Assert.Equal(1, await console.RunAsync("serve", "--dir", _work.Dir("hub"), "--listen", "127.0.0.1:0", "--http", address));
        Assert.Equal($"error: cannot listen on {address} (--http): the address is already in use (another hub, or another program, is on that port)", console.Errors.Trim());
        Assert.DoesNotContain("Hosting failed", console.Output);
    }

    [Fact]
    public async Task Web_options_without_a_web_address_are_a_usage_error()
    {
        await _work.InitDeploymentAsync();
        var console = new TestConsole();
        Assert.Equal(2, await console.RunAsync("serve", "--dir", _work.Dir("hub"), "--listen", "127.0.0.1:0", "--clinic-max-bytes-per-day", "20MB"));
        Assert.Contains("give --http or --https too", console.Errors);
    }

    [Theory]
    [InlineData("--http", "192.0.2.7:8080", "plain HTTP is served on loopback only")]
    [InlineData("--http", "8080", "expected an IP address and port")]
    [InlineData("--https", "nowhere:8443", "expected an IP address and port")]
    public async Task A_bad_web_address_is_a_usage_error_naming_it(string option, string value, string message)
    {
        await _work.InitDeploymentAsync();
        var console = new TestConsole();
        Assert.Equal(2, await console.RunAsync("serve", "--dir", _work.Dir("hub"), "--listen", "127.0.0.1:0", option, value));
        Assert.Contains(message, console.Errors);
        Assert.Contains(value, console.Errors);
        Assert.False(File.Exists(Path.Combine(_work.Dir("hub"), "api-tokens")), "a usage error must change nothing");
    }

    /// <summary>The peer's entry once the hub has recorded <paramref name="sessions"/> of its sessions (10 s at most).</summary>
    internal static async Task<JsonElement> SessionsRecordedAsync(HttpClient client, string node, int sessions)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            using var peers = JsonDocument.Parse(await client.GetStringAsync("/api/peers", timeout.Token));
            var peer = peers.RootElement.GetProperty("peers").EnumerateArray().FirstOrDefault(p => p.GetProperty("node").GetString() == node);
            if (peer.ValueKind == JsonValueKind.Object && peer.TryGetProperty("sessions", out var count) && count.GetInt32() >= sessions) return peer.Clone();
            await Task.Delay(50, timeout.Token);
        }
    }

    internal sealed record Web(Uri Dashboard, Uri Address, string TokenFile);

    /// <summary>Waits for the line <c>serve</c> prints once the API listens, and reads the addresses and token file from it.</summary>
    internal static async Task<Web> WebAsync(Workspace.ServingHub hub)
    {
        await hub.Console.WaitForAsync("(sign in with a token from ").WaitAsync(TimeSpan.FromSeconds(30));
        var match = DashboardLine().Match(hub.Console.Output);
        Assert.True(match.Success, hub.Console.Output);
        return new Web(new Uri(match.Groups[1].Value), new Uri(match.Groups[2].Value), match.Groups[3].Value);
    }

    internal static string Token(string tokenFile) =>
        File.ReadLines(tokenFile).Select(l => l.Split(' ')).Single(p => p.Length == 2 && p[1] == "coordinator")[0];

    /// <summary>A client of an https:// hub that trusts only the deployment's CA at <paramref name="trustDeployment"/>.</summary>
    internal static HttpClient Client(Uri address, string token, string trustDeployment)
    {
        var client = TrustingDeployment(address, trustDeployment, null);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>An HTTPS client that trusts only the CA in <paramref name="caFile"/>, presenting <paramref name="certificate"/> if given.</summary>
    private static HttpClient TrustingDeployment(Uri address, string caFile, X509Certificate2? certificate)
    {
        var ca = X509CertificateLoader.LoadCertificateFromFile(caFile);
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, server, _, _) =>
        {
            if (server is null) return false;
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var leaf = X509CertificateLoader.LoadCertificate(server.GetRawCertData());
            return chain.Build(leaf);
        };
        if (certificate is not null) handler.SslOptions.ClientCertificates = [certificate];
        return new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    internal static HttpClient Client(Uri address, string token)
    {
        var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    [GeneratedRegex(@"Dashboard on (\S+) and the API on (\S+)api/ \(sign in with a token from (.+)\)\.")]
    private static partial Regex DashboardLine();
}

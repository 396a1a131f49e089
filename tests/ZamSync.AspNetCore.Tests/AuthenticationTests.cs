using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using ZamSync.AspNetCore.Events;
using ZamSync.AspNetCore.Tests.Support;
using ZamSync.Net.Tls;
using ZamSync.Tests.Support;

namespace ZamSync.AspNetCore.Tests;

public sealed class AuthenticationTests
{
    [Theory]
    [InlineData("/api/events")]
    [InlineData("/api/events/stream")]
    [InlineData("/api/status")]
    [InlineData("/api/peers")]
    [InlineData("/api/quarantine")]
    [InlineData("/ready")]
    [InlineData("/metrics")]
    public async Task An_unauthenticated_request_gets_401(string path)
    {
        await using var d = await ApiDeployment.StartAsync(eventsPerClinic: 1);
        using var anonymous = d.Api.Client();
        using var response = await anonymous.GetAsync(path);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);

        using var wrongToken = d.Api.Client(token: "not-a-token-anyone-was-given");
        using var refused = await wrongToken.GetAsync(path);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task Health_alone_is_served_anonymously_and_says_only_whether_the_engine_is_open()
    {
        await using var d = await ApiDeployment.StartAsync(eventsPerClinic: 1);
        using var anonymous = d.Api.Client();
        using var response = await anonymous.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());

        using var coordinator = d.Coordinator();
        using var ready = await coordinator.GetAsync("/ready");
        var body = await ready.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains("zamsync-disk", body, StringComparison.Ordinal);
        Assert.Contains("open and writable", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Under_OwnOnly_a_clinic_credential_reads_only_its_own_events()
    {
        await using var d = await ApiDeployment.StartAsync(eventsPerClinic: 7);

        using var coordinator = d.Coordinator();
        var everything = await ApiDeployment.ReadAllPagesAsync(coordinator, limit: 5);
        Assert.Equal(14, everything.Count);

        // By mutual TLS with clinic A's own certificate, and by clinic B's token.
        using var clinicA = d.WithCertificate(ApiDeployment.ClinicA, NodeRole.Node);
        using var clinicB = d.Api.Client(token: ApiDeployment.ClinicBToken);
        foreach (var (client, own) in new[] { (clinicA, ApiDeployment.ClinicA), (clinicB, ApiDeployment.ClinicB) })
        {
            var seen = await ApiDeployment.ReadAllPagesAsync(client, limit: 3);
            Assert.Equal(7, seen.Count);
            Assert.All(seen, e => Assert.Equal(own.ToString(), e.Origin));

            // A cursor naming the other clinic does not open its events either.
            var other = own == ApiDeployment.ClinicA ? ApiDeployment.ClinicB : ApiDeployment.ClinicA;
            var cursor = Cursors.EventCursor.Encode(new VersionVector([new(other, 1)]));
            var after = await ApiDeployment.GetPageAsync(client, cursor, 100);
            Assert.All(after.Events, e => Assert.Equal(own.ToString(), e.Origin));

            using var status = await client.GetAsync("/api/status");
            var json = JsonDocument.Parse(await status.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(7, json.GetProperty("events").GetInt64());
            Assert.False(json.GetProperty("known").TryGetProperty(other.ToString(), out _));
        }

        // The live stream filters the same way.
        using var stream = await clinicA.GetAsync("/api/events/stream", HttpCompletionOption.ResponseHeadersRead);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var streamed = new List<EventJson>();
        await foreach (var item in System.Net.ServerSentEvents.SseParser.Create(await stream.Content.ReadAsStreamAsync(timeout.Token)).EnumerateAsync(timeout.Token))
        {
            streamed.Add(JsonSerializer.Deserialize<EventJson>(item.Data, JsonSerializerOptions.Web)!);
            if (streamed.Count == 7) break;
        }
        Assert.All(streamed, e => Assert.Equal(ApiDeployment.ClinicA.ToString(), e.Origin));
    }

    [Fact]
    public async Task A_coordinator_certificate_reads_every_clinic_and_a_foreign_certificate_is_refused_in_the_handshake()
    {
        await using var d = await ApiDeployment.StartAsync(eventsPerClinic: 2);
        using var coordinator = d.WithCertificate(new NodeId(900), NodeRole.Coordinator);
        Assert.Equal(4, (await ApiDeployment.ReadAllPagesAsync(coordinator)).Count);

        using var otherCa = ZamPki.CreateAuthority("someone-else");
        using var foreign = ZamPki.IssueCertificate(otherCa, ApiDeployment.ClinicA, NodeRole.Node);
        using var intruder = d.Api.Client(foreign);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => intruder.GetAsync("/api/events"));
    }

    [Fact]
    public async Task A_token_file_that_group_or_others_can_read_stops_the_host_from_starting()
    {
        using var dir = new TempDirectory("api-mode");
        using var pki = new ApiPki();
        await using var engine = await Nodes.OpenAsync(dir.Sub("hub"), 1);
        var tokens = TokenFiles.Write(dir.Sub("secrets"), $"{ApiDeployment.CoordinatorToken} coordinator\n",
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var tls = pki.Hub(new NodeId(1));
        await using var app = ApiHost.Build(engine, pki, new ZamSyncApiOptions { TokenFile = tokens, Tls = tls }, tls);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync());
        Assert.Contains("mode 0644", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"chmod 600 {tokens}", refused.Message, StringComparison.Ordinal);
    }
}

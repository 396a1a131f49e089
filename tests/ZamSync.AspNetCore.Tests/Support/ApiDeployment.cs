using System.Net.Http.Json;
using System.Text.Json;
using ZamSync.AspNetCore.Events;
using ZamSync.Net.Tls;
using ZamSync.Sync;
using ZamSync.Tests.Support;

namespace ZamSync.AspNetCore.Tests.Support;

/// <summary>
/// A hub (node 1) holding the events of two clinics (11 and 12) it synced, served by a real Kestrel with the API under
/// OwnOnly; tokens for a coordinator and each clinic.
/// </summary>
public sealed class ApiDeployment : IAsyncDisposable
{
    public static readonly NodeId HubId = new(1), ClinicA = new(11), ClinicB = new(12);
    public const string CoordinatorToken = "coordinator-token-0123456789", ClinicAToken = "clinic-a-token-0123456789", ClinicBToken = "clinic-b-token-0123456789";

    private readonly TempDirectory _dir = new("api");

    private ApiDeployment() { }

    public ApiPki Pki { get; } = new();
    public ZamEngine<LedgerState> Hub { get; private set; } = null!;
    public ApiHost Api { get; private set; } = null!;
    public string Directory => _dir.Path;

    public static async Task<ApiDeployment> StartAsync(int eventsPerClinic = 5, ZamSyncApiOptions? options = null)
    {
        var d = new ApiDeployment();
        d.Hub = await Nodes.OpenAsync(d._dir.Sub("hub"), HubId.Value);
        foreach (var clinic in new[] { ClinicA, ClinicB })
        {
            await using var engine = await Nodes.OpenAsync(d._dir.Sub($"clinic-{clinic}"), clinic.Value);
            await Nodes.SubmitManyAsync(engine, eventsPerClinic, $"clinic-{clinic}");
            await Nodes.SyncAsync(engine, d.Hub);
        }
        var tokens = TokenFiles.Write(d._dir.Sub("secrets"),
            $"# who may read this hub\n{CoordinatorToken} coordinator\n{ClinicAToken} node {ClinicA}\n{ClinicBToken} node {ClinicB}\n");
        var hubTls = d.Pki.Hub(HubId);
        options ??= new ZamSyncApiOptions();
        d.Api = await ApiHost.StartAsync(d.Hub, d.Pki, options with { TokenFile = tokens, Tls = hubTls, AccessPolicy = AccessPolicy.OwnOnly }, hubTls);
        return d;
    }

    public HttpClient Coordinator() => Api.Client(token: CoordinatorToken);

    public HttpClient WithCertificate(NodeId node, NodeRole role) => Api.Client(Pki.Issue(node, role));

    /// <summary>Every page after <paramref name="after"/> until one is not full.</summary>
    public static async Task<List<EventJson>> ReadAllPagesAsync(HttpClient client, string? after = null, int limit = 100)
    {
        var all = new List<EventJson>();
        while (true)
        {
            var page = await GetPageAsync(client, after, limit);
            all.AddRange(page.Events);
            after = page.Next;
            if (!page.More) return all;
        }
    }

    public static async Task<EventPage> GetPageAsync(HttpClient client, string? after, int limit)
    {
        var url = $"/api/events?limit={limit}" + (after is null ? "" : $"&after={after}");
        using var response = await client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {url}: {(int)response.StatusCode} {body}");
        return JsonSerializer.Deserialize<EventPage>(body, JsonSerializerOptions.Web)!;
    }

    public async ValueTask DisposeAsync()
    {
        await Api.DisposeAsync();
        await Hub.DisposeAsync();
        Pki.Dispose();
        _dir.Dispose();
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ZamSync.AspNetCore;
using ZamSync.Bench.Harness;
using ZamSync.Testing;

namespace ZamSync.Bench.Benchmarks;

/// <summary>
/// The HTTP API on loopback (Kestrel, plain HTTP, a bearer token), over a hub engine holding the events of 8 clinics:
/// reading everything through <c>GET /api/events</c> page by page (1000 a page, following the version-vector cursor),
/// and the latency of <c>/api/events/stream</c> from a durable submit on the hub to the event's arrival at a client.
/// The client is .NET's SSE parser, not a browser: the browser adds its own event-loop time on top.
/// </summary>
internal sealed class HttpApiBenchmark : IBenchmark
{
    private const string Token = "bench-coordinator-token-0123456789";

    public string Name => "http-api";

    public string Description => "HTTP API on loopback: /api/events paging throughput (8 origins, 1000 a page) and SSE latency from submit to client receipt";

    public async Task<IReadOnlyList<BenchResult>> RunAsync(BenchContext context)
    {
        int events = context.Quick ? 40_000 : 200_000, samples = context.Quick ? 100 : 500;
        using var scratch = context.NewDirectory("http-api");
        var hub = await ZamEngine<CounterState>.OpenAsync(Path.Combine(scratch.Path, "hub"), new NodeId(1), new CounterState()).ConfigureAwait(false);
        await using (hub.ConfigureAwait(false))
        {
            await FillAsync(hub, scratch.Path, origins: 8, events).ConfigureAwait(false);
            var app = await StartAsync(hub, scratch.File("api-tokens")).ConfigureAwait(false);
            await using (app.ConfigureAwait(false))
            {
                using var client = new HttpClient { BaseAddress = Address(app), Timeout = TimeSpan.FromMinutes(2) };
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
                Settle.Now();
                var paging = await Measure.RepeatAsync(1, 3, _ => PageAllAsync(client, events)).ConfigureAwait(false);
                var latency = await StreamLatencyAsync(client, hub, samples).ConfigureAwait(false);
                context.Info($"paging events/s: {paging.Describe("N0")}; SSE latency ms: p50 {latency.Median:N2}, p99 {latency.Percentile(99):N2}, max {latency.Max:N2}");
                string size = OpenTimeBenchmark.SizeLabel(events);
                return
                [
                    new BenchResult($"HTTP /api/events paging {size} events (8 origins, 1000 a page)", paging.Median, "events/s"),
                    new BenchResult("HTTP SSE latency, durable submit to client receipt, p50", latency.Median, "ms"),
                    new BenchResult("HTTP SSE latency, durable submit to client receipt, p99", latency.Percentile(99), "ms"),
                ];
            }
        }
    }

    /// <summary>Gives the hub <paramref name="events"/> 100-byte events from <paramref name="origins"/> clinics, synced in memory.</summary>
    private static async Task FillAsync(ZamEngine hub, string root, int origins, int events)
    {
        for (int i = 0; i < origins; i++)
        {
            var clinic = await ZamEngine<CounterState>.OpenAsync(Path.Combine(root, $"clinic-{i}"), new NodeId((ulong)(100 + i)), new CounterState()).ConfigureAwait(false);
            await using (clinic.ConfigureAwait(false))
            {
                await Load.SubmitDistinctAsync(clinic, 16, events / origins).ConfigureAwait(false);
                var (a, b) = InMemoryTransport.CreatePair();
                await using (a.ConfigureAwait(false))
                await using (b.ConfigureAwait(false))
                {
                    var serving = hub.CreateSession(b).ServeOneAsync(clinic.NodeId);
                    await clinic.CreateSession(a).SyncAsync(hub.NodeId).ConfigureAwait(false);
                    await serving.ConfigureAwait(false);
                }
            }
        }
    }

    private static async Task<WebApplication> StartAsync(ZamEngine hub, string tokenFile)
    {
        await TokenFile.WriteCoordinatorAsync(tokenFile, Token).ConfigureAwait(false);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.AddSingleton(hub);
        builder.Services.AddZamSyncApi(new ZamSyncApiOptions { TokenFile = tokenFile, AccessPolicy = Sync.AccessPolicy.All });
        var app = builder.Build();
        app.MapZamSync();
        await app.StartAsync().ConfigureAwait(false);
        return app;
    }

    private static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single() + "/");

    /// <summary>Reads every page from the start; returns events per second.</summary>
    private static async Task<double> PageAllAsync(HttpClient client, int expected)
    {
        long start = Stopwatch.GetTimestamp();
        string? after = null;
        long read = 0;
        while (true)
        {
            using var response = await client.GetAsync($"/api/events?limit=1000{(after is null ? "" : "&after=" + after)}", HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            using var page = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync().ConfigureAwait(false)).ConfigureAwait(false);
            read += page.RootElement.GetProperty("events").GetArrayLength();
            after = page.RootElement.GetProperty("next").GetString();
            if (!page.RootElement.GetProperty("more").GetBoolean()) break;
        }
        var elapsed = Stopwatch.GetElapsedTime(start);
        if (read != expected) throw new InvalidOperationException($"Paging read {read} of {expected} events.");
        return read / elapsed.TotalSeconds;
    }

    /// <summary>One submit at a time on the hub, each timed until its event arrives on an open stream.</summary>
    private static async Task<Samples> StreamLatencyAsync(HttpClient client, ZamEngine hub, int samples)
    {
        using var status = JsonDocument.Parse(await client.GetStringAsync("/api/status").ConfigureAwait(false));
        string cursor = status.RootElement.GetProperty("cursor").GetString()!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var response = await client.GetAsync("/api/events/stream?after=" + cursor, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var items = SseParser.Create(await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false))
            .EnumerateAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);
        await using (items.ConfigureAwait(false))
        {
            var payload = Load.Payload();
            var latencies = new List<double>(samples);
            for (int i = -10; i < samples; i++) // the first ten warm the path up
            {
                long start = Stopwatch.GetTimestamp();
                await hub.SubmitAsync(1, payload).ConfigureAwait(false);
                if (!await items.MoveNextAsync().ConfigureAwait(false)) throw new InvalidOperationException("The event stream ended.");
                if (i >= 0) latencies.Add(Measure.Milliseconds(start));
            }
            return new Samples(latencies);
        }
    }
}

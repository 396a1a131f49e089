using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ZamSync.AspNetCore;
using ZamSync.Bench.Harness;
using ZamSync.Net.Hub;
using ZamSync.Net.Tcp;
using ZamSync.Net.Tls;
using ZamSync.Net.WebSockets;

namespace ZamSync.Bench.Benchmarks;

/// <summary>
/// Sync over WebSocket (wss:// through Kestrel and <c>MapZamSyncWebSocket</c>) beside the same sync over TCP with
/// mutual TLS, both served by one <see cref="ZamHub"/> over one engine, in one run: a fresh node pulls every event,
/// durable on its side. Reports events/s and the wire bytes per event the hub sent (frames, and for WebSocket the
/// message headers); TLS record overhead is in neither.
/// </summary>
internal sealed class WebSocketSyncBenchmark : IBenchmark
{
    public string Name => "websocket";

    public string Description => "Sync over wss:// (Kestrel) vs TCP with mutual TLS from one hub: events/s and wire bytes per event";

    public async Task<IReadOnlyList<BenchResult>> RunAsync(BenchContext context)
    {
        int events = context.Quick ? 20_000 : 100_000;
        using var ca = ZamPki.CreateAuthority("bench-ws");
        var hubId = new NodeId(0x71);
        var hubTls = new TlsOptions { Certificate = ZamPki.IssueCertificate(ca, hubId, NodeRole.Hub), Authority = ca };
        using var scratch = context.NewDirectory("websocket");
        var source = await ZamEngine<CounterState>.OpenAsync(Path.Combine(scratch.Path, "hub"), hubId, new CounterState()).ConfigureAwait(false);
        await using (source.ConfigureAwait(false))
        {
            await Load.SubmitDistinctAsync(source, 64, events).ConfigureAwait(false);
            var hub = new ZamHub(source, new ZamHubOptions { Listen = "127.0.0.1:0", Transport = new TcpTransportOptions { Tls = hubTls } });
            await using (hub.ConfigureAwait(false))
            {
                await hub.StartAsync().ConfigureAwait(false);
                var app = await StartWebAsync(source, hub, hubTls, scratch.File("api-tokens")).ConfigureAwait(false);
                await using (app.ConfigureAwait(false))
                {
                    var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port;
                    var wss = new Uri($"wss://127.0.0.1:{port}/sync");
                    ulong next = 0x9000;
                    var tcpBytes = new List<double>();
                    var wsBytes = new List<double>();
                    Settle.Now();
                    var tcp = await Measure.RepeatAsync(1, 3, async _ =>
                    {
                        var id = new NodeId(next++);
                        var options = new TcpTransportOptions { Tls = new TlsOptions { Certificate = ZamPki.IssueCertificate(ca, id, NodeRole.Node), Authority = ca } };
                        var (rate, bytes) = await PullAsync(scratch.Path, id, hubId, hub, events,
                            () => HubConnectorTcp(hubId, hub.LocalEndPoint.ToString(), options)).ConfigureAwait(false);
                        tcpBytes.Add(bytes);
                        return rate;
                    }).ConfigureAwait(false);
                    var ws = await Measure.RepeatAsync(1, 3, async _ =>
                    {
                        var id = new NodeId(next++);
                        var options = new WebSocketTransportOptions { Tls = new TlsOptions { Certificate = ZamPki.IssueCertificate(ca, id, NodeRole.Node), Authority = ca } };
                        var (rate, bytes) = await PullAsync(scratch.Path, id, hubId, hub, events,
                            async () => await WebSocketTransport.ConnectAsync(wss, hubId, options).ConfigureAwait(false)).ConfigureAwait(false);
                        wsBytes.Add(bytes);
                        return rate;
                    }).ConfigureAwait(false);
                    double tcpPerEvent = tcpBytes.Average(), wsPerEvent = wsBytes.Average();
                    context.Info($"events/s TCP+TLS {tcp.Describe("N0")}, WebSocket {ws.Describe("N0")}; wire bytes/event sent by the hub: TCP {tcpPerEvent:N2}, WebSocket {wsPerEvent:N2}");
                    string size = OpenTimeBenchmark.SizeLabel(events);
                    return
                    [
                        new BenchResult($"sync {size} events over wss:// (vs TCP with mutual TLS)", ws.Median, "events/s", tcp.Median),
                        new BenchResult("wire bytes per event sent, wss:// (vs TCP with mutual TLS)", wsPerEvent, "B", tcpPerEvent),
                    ];
                }
            }
        }
    }

    private static async Task<ISyncTransport> HubConnectorTcp(NodeId hub, string address, TcpTransportOptions options) =>
        await TcpTransport.ConnectAsync(hub, address, options).ConfigureAwait(false);

    /// <summary>A fresh node pulls everything; returns events/s and the bytes per event the hub recorded sending it.</summary>
    private static async Task<(double Rate, double BytesPerEvent)> PullAsync(string root, NodeId id, NodeId hubId, ZamHub hub, int events, Func<Task<ISyncTransport>> connect)
    {
        using var dir = new ScratchDirectory(Path.Combine(root, "pull-" + id));
        var node = await ZamEngine<CounterState>.OpenAsync(dir.Path, id, new CounterState()).ConfigureAwait(false);
        await using (node.ConfigureAwait(false))
        {
            // The hub records a session when it ends on its side, which can trail the client's return by a moment.
            var recorded = new TaskCompletionSource<PeerStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
            void OnEnded(PeerStatus s) { if (s.Peer == id) recorded.TrySetResult(s); }
            hub.SessionEnded += OnEnded;
            long start = Stopwatch.GetTimestamp();
            var link = await connect().ConfigureAwait(false);
            await using (link.ConfigureAwait(false))
                await node.CreateSession(link).SyncAsync(hubId).ConfigureAwait(false);
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (node.Known[hubId] != (ulong)events) throw new InvalidOperationException($"the node pulled {node.Known[hubId]} of {events} events");
            var status = await recorded.Task.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            hub.SessionEnded -= OnEnded;
            return (events / seconds, status.BytesSent / (double)events);
        }
    }

    private static async Task<WebApplication> StartWebAsync(ZamEngine engine, ZamHub hub, TlsOptions tls, string tokenFile)
    {
        await TokenFile.WriteCoordinatorAsync(tokenFile, "bench-coordinator-token-0123456789").ConfigureAwait(false);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseZamSyncTls(tls)));
        builder.Services.AddSingleton(engine);
        builder.Services.AddSingleton(hub);
        builder.Services.AddZamSyncApi(new ZamSyncApiOptions { TokenFile = tokenFile, Tls = tls });
        var app = builder.Build();
        app.UseWebSockets();
        app.MapZamSyncWebSocket("/sync");
        await app.StartAsync().ConfigureAwait(false);
        return app;
    }
}

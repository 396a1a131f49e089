using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using ZamSync.Bench.Harness;
using ZamSync.Net.Tcp;
using ZamSync.Net.Tls;

namespace ZamSync.Bench.Benchmarks;

/// <summary>
/// What mutual TLS costs: the time to connect and complete an empty session (TLS handshake included)
/// against plain TCP, and the throughput of a sync over TLS against the same sync over plain TCP, in one run.
/// </summary>
internal sealed class TlsOverheadBenchmark : IBenchmark
{
    public string Name => "tls";

    public string Description => "Mutual TLS vs plain TCP: empty-session latency and sync throughput";

    public async Task<IReadOnlyList<BenchResult>> RunAsync(BenchContext context)
    {
        int events = context.Quick ? 10_000 : 50_000;
        using var ca = ZamPki.CreateAuthority("bench");
        var sourceId = new NodeId(0x71);
        var sourceTls = Options(ca, sourceId, NodeRole.Hub);
        using var scratch = context.NewDirectory("tls");
        var source = await ZamEngine<CounterState>.OpenAsync(Path.Combine(scratch.Path, "source"), sourceId, new CounterState()).ConfigureAwait(false);
        await using (source.ConfigureAwait(false))
        {
            ulong next = 0x9000;
            // Empty sessions: the receiver already holds everything (nothing to send), so this is connect + handshakes.
            var emptyPlain = await Measure.RepeatAsync(3, 15, async _ => await EmptySessionMsAsync(source, null, null).ConfigureAwait(false)).ConfigureAwait(false);
            var emptyTls = await Measure.RepeatAsync(3, 15, async _ =>
            {
                var id = new NodeId(next++);
                return await EmptySessionMsAsync(source, sourceTls, Options(ca, id, NodeRole.Node), id).ConfigureAwait(false);
            }).ConfigureAwait(false);

            await Load.SubmitDistinctAsync(source, 64, events).ConfigureAwait(false);
            Settle.Now();
            var plain = await Measure.RepeatAsync(1, 3, async _ =>
                (await TcpSyncBenchmark.SyncOverTcpAsync(source, new NodeId(next++), context, events, null).ConfigureAwait(false)).EventsPerSecond).ConfigureAwait(false);
            var tls = await Measure.RepeatAsync(1, 3, async _ =>
            {
                var id = new NodeId(next++);
                var options = new TcpTransportOptions { Tls = Options(ca, id, NodeRole.Node) };
                // The listener side here is the source (hub role); the receiver connects with its node certificate.
                var server = new TcpTransportOptions { Tls = sourceTls };
                return (await TcpSyncBenchmark.SyncOverTcpAsync(source, id, context, events, options, server).ConfigureAwait(false)).EventsPerSecond;
            }).ConfigureAwait(false);
            context.Info($"empty session ms plain {emptyPlain.Describe("N2")}, TLS {emptyTls.Describe("N2")}; sync events/s plain {plain.Describe("N0")}, TLS {tls.Describe("N0")}");
            string size = OpenTimeBenchmark.SizeLabel(events);
            return
            [
                new BenchResult("empty session incl. connect, mutual TLS (vs plain TCP)", emptyTls.Median, "ms", emptyPlain.Median),
                new BenchResult($"sync {size} events over mutual TLS (vs plain TCP)", tls.Median, "events/s", plain.Median),
            ];
        }
    }

    private static TlsOptions Options(X509Certificate2 ca, NodeId node, NodeRole role) =>
        new() { Certificate = ZamPki.IssueCertificate(ca, node, role), Authority = ca };

    private static async Task<double> EmptySessionMsAsync(ZamEngine source, TlsOptions? serverTls, TlsOptions? clientTls, NodeId? clientId = null)
    {
        var id = clientId ?? new NodeId(0x8888);
        using var dir = new ScratchDirectory(Path.Combine(Path.GetTempPath(), "zamsync-bench-empty-" + Guid.NewGuid().ToString("N")[..8]));
        var client = await ZamEngine<CounterState>.OpenAsync(dir.Path, id, new CounterState()).ConfigureAwait(false);
        await using (client.ConfigureAwait(false))
        {
            var listener = TcpTransport.Bind("127.0.0.1:0", new TcpTransportOptions { Tls = serverTls });
            await using (listener.ConfigureAwait(false))
            {
                var serving = Task.Run(async () =>
                {
                    var peer = await listener.AcceptSplitAsync().ConfigureAwait(false);
                    await using (peer.ConfigureAwait(false)) await source.CreateSession(peer).WithAccessPolicy(Sync.AccessPolicy.OwnOnly).ServeOneAsync(peer.PeerId).ConfigureAwait(false);
                });
                long start = Stopwatch.GetTimestamp();
                var link = await TcpTransport.ConnectAsync(source.NodeId, listener.LocalEndPoint.ToString(), new TcpTransportOptions { Tls = clientTls }).ConfigureAwait(false);
                await using (link.ConfigureAwait(false))
                    await client.CreateSession(link).SyncAsync(source.NodeId).ConfigureAwait(false);
                double ms = Measure.Milliseconds(start);
                await serving.ConfigureAwait(false);
                return ms;
            }
        }
    }
}

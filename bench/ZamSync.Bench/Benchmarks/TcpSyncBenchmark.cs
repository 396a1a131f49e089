using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ZamSync.Bench.Harness;
using ZamSync.Net.Tcp;

namespace ZamSync.Bench.Benchmarks;

/// <summary>
/// One session moving N 100-byte events over real TCP on loopback to a fresh receiver, every event durable
/// (fsynced) and applied there, beside the baseline of copying the same payload bytes over a loopback socket
/// in the same run.
/// </summary>
internal sealed class TcpSyncBenchmark : IBenchmark
{
    public string Name => "tcp-sync";

    public string Description => "Loopback TCP sync of 100k 100-byte random events, durable on the receiver, vs a raw socket copy of the payload bytes";

    public async Task<IReadOnlyList<BenchResult>> RunAsync(BenchContext context)
    {
        // 100k in both modes: the issue's target is set at 100k, and one run takes well under a second.
        int events = 100_000;
        var payload = Load.Payload();
        using var scratch = context.NewDirectory("tcp-sync");
        var sourceId = new NodeId(0x7C);
        var source = await ZamEngine<CounterState>.OpenAsync(Path.Combine(scratch.Path, "source"), sourceId, new CounterState()).ConfigureAwait(false);
        await using (source.ConfigureAwait(false))
        {
            await Load.SubmitDistinctAsync(source, 64, events).ConfigureAwait(false);
            Settle.Now();
            var wire = new List<double>();
            var cores = new List<double>();
            ulong next = 0x7000;
            var synced = await Measure.RepeatAsync(1, 3, async run =>
            {
                var cpu = Environment.CpuUsage.TotalTime;
                long start = Stopwatch.GetTimestamp();
                var result = await SyncOverTcpAsync(source, new NodeId(next++), context, events, options: null).ConfigureAwait(false);
                // Both ends run in this process: its CPU time over the wall time is the cores the session used.
                double used = (Environment.CpuUsage.TotalTime - cpu).TotalSeconds / Stopwatch.GetElapsedTime(start).TotalSeconds;
                if (run >= 0) { wire.Add(result.WireBytesPerEvent); cores.Add(used); }
                return result.EventsPerSecond;
            }).ConfigureAwait(false);
            var raw = await Measure.RepeatAsync(1, 3, _ => RawCopyAsync(events * (long)payload.Length, payload.Length)).ConfigureAwait(false);
            context.Info($"sync events/s: {synced.Describe("N0")}; raw copy events/s: {raw.Describe("N0")}");
            string size = OpenTimeBenchmark.SizeLabel(events);
            return
            [
                new BenchResult($"TCP loopback sync {size} events (durable on receiver)", synced.Median, "events/s", raw.Median, ">= 600,000 events/s"),
                new BenchResult($"TCP loopback sync {size} events: cores used (both ends)", new Samples(cores).Median, "cores", Target: "of 2"),
                new BenchResult($"TCP loopback sync {size} events: wire bytes per event", new Samples(wire).Median, "B/event", payload.Length),
            ];
        }
    }

    /// <param name="options">The receiver's (connecting side's) options.</param>
    /// <param name="serverOptions">The source's (listening side's) options; the same as <paramref name="options"/> when null.</param>
    internal static async Task<(double EventsPerSecond, double WireBytesPerEvent)> SyncOverTcpAsync(
        ZamEngine source, NodeId receiverId, BenchContext context, int events, TcpTransportOptions? options, TcpTransportOptions? serverOptions = null)
    {
        using var dir = context.NewDirectory("tcp-receiver");
        var receiver = await ZamEngine<CounterState>.OpenAsync(dir.Path, receiverId, new CounterState()).ConfigureAwait(false);
        await using (receiver.ConfigureAwait(false))
        {
            var listener = TcpTransport.Bind("127.0.0.1:0", serverOptions ?? options);
            await using (listener.ConfigureAwait(false))
            {
                long start = Stopwatch.GetTimestamp();
                var serving = Task.Run(async () =>
                {
                    var peer = await listener.AcceptSplitAsync().ConfigureAwait(false);
                    await using (peer.ConfigureAwait(false))
                        return await source.CreateSession(peer).ServeOneAsync(peer.PeerId).ConfigureAwait(false);
                });
                var link = await TcpTransport.ConnectAsync(source.NodeId, listener.LocalEndPoint.ToString(), options).ConfigureAwait(false);
                await using (link.ConfigureAwait(false))
                {
                    var stats = await receiver.CreateSession(link).SyncAsync(source.NodeId).ConfigureAwait(false);
                    var served = await serving.ConfigureAwait(false);
                    var elapsed = Stopwatch.GetElapsedTime(start);
                    if (stats.EventsReceived != events || receiver.Read(s => s.Count) != events)
                        throw new InvalidOperationException($"The receiver got {stats.EventsReceived} of {events} events.");
                    return (events / elapsed.TotalSeconds, (double)(stats.BytesSent + served.BytesSent) / events);
                }
            }
        }
    }

    /// <summary>Copies <paramref name="bytes"/> over a loopback socket; returns the equivalent events/s.</summary>
    private static async Task<double> RawCopyAsync(long bytes, int eventSize)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accepting = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!).ConfigureAwait(false);
        using var server = await accepting.ConfigureAwait(false);
        var chunk = new byte[64 * 1024];
        long start = Stopwatch.GetTimestamp();
        var reading = Task.Run(async () =>
        {
            var buffer = new byte[64 * 1024];
            long received = 0;
            while (received < bytes)
            {
                int n = await server.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
                if (n == 0) break;
                received += n;
            }
            return received;
        });
        for (long sent = 0; sent < bytes;)
        {
            int n = (int)Math.Min(chunk.Length, bytes - sent);
            sent += await client.SendAsync(chunk.AsMemory(0, n), SocketFlags.None).ConfigureAwait(false);
        }
        await reading.ConfigureAwait(false);
        return bytes / eventSize / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}

using System.Diagnostics;
using ZamSync.Bench.Harness;
using ZamSync.Testing;

namespace ZamSync.Bench.Benchmarks;

/// <summary>
/// One sync session that moves N 100-byte events from a source engine to a fresh receiver over
/// <see cref="InMemoryTransport"/>: from the handshake to the final acknowledgement, every event durable
/// (fsynced) and applied on the receiver. Wire bytes count both directions, control messages included.
/// </summary>
internal sealed class InMemorySyncBenchmark : IBenchmark
{
    public string Name => "sync";

    public string Description => "In-memory sync of 10k (quick) / 100k (full) events between two engines";

    public async Task<IReadOnlyList<BenchResult>> RunAsync(BenchContext context)
    {
        int events = context.Quick ? 10_000 : 100_000;
        int repetitions = context.Quick ? 5 : 5;
        var payload = Load.Payload();
        using var scratch = context.NewDirectory("sync");
        var sourceId = new NodeId(0x5A);
        var source = await ZamEngine<CounterState>.OpenAsync(Path.Combine(scratch.Path, "source"), sourceId, new CounterState()).ConfigureAwait(false);
        await using (source.ConfigureAwait(false))
        {
            await Load.SubmitCountAsync(source, 64, events, payload).ConfigureAwait(false);
            Settle.Now();
            var wirePerEvent = new List<double>();
            ulong nextReceiver = 0x1000;

            async Task<double> SyncOnce(int run)
            {
                var receiverId = new NodeId(nextReceiver++);
                using var receiverDir = context.NewDirectory("sync-receiver");
                var receiver = await ZamEngine<CounterState>.OpenAsync(receiverDir.Path, receiverId, new CounterState()).ConfigureAwait(false);
                await using (receiver.ConfigureAwait(false))
                {
                    var (a, b) = InMemoryTransport.CreatePair();
                    await using (a.ConfigureAwait(false))
                    await using (b.ConfigureAwait(false))
                    {
                        long start = Stopwatch.GetTimestamp();
                        var serving = source.CreateSession(a).ServeOneAsync(receiverId);
                        var pulled = await receiver.CreateSession(b).SyncAsync(sourceId).ConfigureAwait(false);
                        await serving.ConfigureAwait(false);
                        var elapsed = Stopwatch.GetElapsedTime(start);

                        long applied = receiver.Read(s => s.Count);
                        if (pulled.EventsReceived != events || receiver.Known[sourceId] != (ulong)events || applied != events)
                            throw new InvalidOperationException($"The receiver got {pulled.EventsReceived} events, holds {receiver.Known[sourceId]} and applied {applied}; expected {events}.");
                        if (run >= 0) wirePerEvent.Add((double)(a.BytesSent + b.BytesSent) / events);
                        return events / elapsed.TotalSeconds;
                    }
                }
            }

            var samples = await Measure.RepeatAsync(2, repetitions, SyncOnce).ConfigureAwait(false);
            var wire = new Samples(wirePerEvent);
            context.Info("events/s: " + samples.Describe("N0") + "; wire bytes/event: " + wire.Describe("N2"));
            string size = OpenTimeBenchmark.SizeLabel(events);
            return
            [
                new BenchResult($"in-memory sync {size} events (durable on receiver)", samples.Median, "events/s"),
                new BenchResult($"in-memory sync {size} events: wire bytes per event", wire.Median, "B/event"),
            ];
        }
    }
}

using System.Collections.Concurrent;
using System.Text;
using ZamSync.Tests.Support;

namespace ZamSync.Tests.Engine;

/// <summary>One engine shared by many threads: every submit gets its own sequence, none is lost or duplicated.</summary>
public abstract class ConcurrentSubmitSuite : StoreSuite
{
    private const ulong Node = 1;
    private const int Threads = 8, PerThread = 100, Total = Threads * PerThread;

    [Fact]
    public async Task Eight_threads_times_100_submits_give_800_unique_contiguous_durable_events()
    {
        using var temp = new TempDirectory("concurrent");
        string dir = temp.Sub("node");
        var origin = new NodeId(Node);
        var acknowledged = new ConcurrentDictionary<ulong, string>();
        var perThread = new List<ulong>[Threads];
        var failures = new ConcurrentQueue<Exception>();
        string hash;

        await using (var engine = await OpenAsync(dir, Node))
        {
            using var start = new Barrier(Threads + 2); // the writers, the reader and this thread
            bool submitting = true;
            // A reader racing the writers must only ever see a gap-free prefix: nothing is visible before it is durable.
            var reader = new Thread(() =>
            {
                start.SignalAndWait();
                try
                {
                    while (Volatile.Read(ref submitting))
                    {
                        ulong expected = 1;
                        foreach (var e in engine.ReadEvents(origin))
                            Assert.Equal(expected++, e.Sequence);
                    }
                }
                catch (Exception ex) { failures.Enqueue(ex); }
            });
            var writers = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
            {
                perThread[t] = new List<ulong>(PerThread);
                start.SignalAndWait();
                try
                {
                    for (int i = 0; i < PerThread; i++)
                    {
                        string payload = $"t{t}-{i}";
                        var e = engine.SubmitAsync(1, Encoding.UTF8.GetBytes(payload)).AsTask().GetAwaiter().GetResult();
                        Assert.True(acknowledged.TryAdd(e.Sequence, payload), $"sequence {e.Sequence} was handed out twice");
                        perThread[t].Add(e.Sequence);
                    }
                }
                catch (Exception ex) { failures.Enqueue(ex); }
            })).ToList();

            reader.Start();
            writers.ForEach(w => w.Start());
            try
            {
                Assert.True(start.SignalAndWait(TimeSpan.FromSeconds(30)), "the threads did not start");
                Assert.All(writers, w => Assert.True(w.Join(TimeSpan.FromSeconds(60)), "a writer hung"));
            }
            finally
            {
                Volatile.Write(ref submitting, false);
            }
            Assert.True(reader.Join(TimeSpan.FromSeconds(30)), "the reader hung");

            Assert.Empty(failures);
            Assert.Equal(Enumerable.Range(1, Total).Select(i => (ulong)i), acknowledged.Keys.Order());
            Assert.All(perThread, seqs => Assert.Equal(seqs.Order(), seqs)); // each thread's own submits stay in order
            AssertHoldsExactly(engine, origin, acknowledged);
            hash = engine.Read(s => s.Hash());
        }

        await DropCheckpointAsync(dir);
        await using var reopened = await OpenAsync(dir, Node);
        AssertHoldsExactly(reopened, origin, acknowledged);
        Assert.Equal(hash, reopened.State.Hash()); // the replayed fold matches the one built while submitting
        Assert.Equal((ulong)Total + 1, (await reopened.SubmitAsync(1, "next"u8.ToArray())).Sequence);
    }

    private static void AssertHoldsExactly(ZamEngine<LedgerState> engine, NodeId origin, IReadOnlyDictionary<ulong, string> acknowledged)
    {
        var events = engine.ReadEvents(origin).ToList();
        Assert.Equal(Total, events.Count);
        Assert.All(events, e => Assert.Equal(acknowledged[e.Sequence], Encoding.UTF8.GetString(e.Payload.Span)));
        Assert.Equal((ulong)Total, engine.Known[origin]);
        Assert.Equal(Total, engine.Read(s => s.Count));
        Assert.Equal(Total, engine.ReadAllEvents().Count());
    }
}

using System.Buffers;
using System.Text;
using ZamSync.Tests.Support;

namespace ZamSync.Tests.Engine;

/// <summary>
/// User Apply code runs on the engine's fold loop, never on the log's committer: a slow or throwing state delays no
/// fsync and fails no submit, and a read still sees every submit that returned before it.
/// </summary>
public abstract class FoldLoopSuite : StoreSuite
{
    /// <summary>A state whose Apply blocks until the test opens the gate, and says when it first started blocking.</summary>
    private sealed class GatedState : IStateStore
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public ManualResetEventSlim Gate { get; } = new(false);
        public List<ulong> Applied { get; } = new();

        public void Apply(in EventEnvelope envelope)
        {
            Entered.TrySetResult();
            Gate.Wait();
            Applied.Add(envelope.Sequence);
        }

        public void Reset() => Applied.Clear();
    }

    private sealed class ThrowingState : IStateStore
    {
        public int Calls;
        public void Apply(in EventEnvelope envelope)
        {
            Calls++;
            throw new InvalidOperationException("the handler's own bug");
        }

        public void Reset() => Calls = 0;
    }

    [Fact]
    public async Task A_blocked_apply_delays_no_durable_submit()
    {
        using var dir = new TempDirectory("fold-slow");
        var state = new GatedState();
        await using var engine = await OpenAsync(dir.Sub("node"), 1, state);
        try
        {
            await engine.SubmitAsync(1, "a"u8.ToArray()).AsTask().WaitAsync(Sessions.Guard);
            await state.Entered.Task.WaitAsync(Sessions.Guard); // the fold loop is now stuck inside Apply

            // Durable while the fold is stuck: returned, counted as held, readable and servable to peers.
            for (int i = 0; i < 20; i++) await engine.SubmitAsync(1, Encoding.UTF8.GetBytes($"b{i}")).AsTask().WaitAsync(Sessions.Guard);
            Assert.Equal(21UL, engine.Known[new NodeId(1)]);
            Assert.Equal(21, engine.ReadEvents(new NodeId(1)).Count());
        }
        finally
        {
            state.Gate.Set();
        }
        Assert.Equal(Enumerable.Range(1, 21).Select(i => (ulong)i), engine.Read(s => s.Applied.ToArray()));
    }

    [Fact]
    public async Task A_throwing_apply_fails_no_submit_and_no_session()
    {
        using var dir = new TempDirectory("fold-throw");
        await using var engine = await OpenAsync(dir.Sub("node"), 1, new ThrowingState());
        await using var peer = await OpenAsync(dir.Sub("peer"), 2);
        await Nodes.SubmitManyAsync(peer, 5, "peer");

        await Sessions.SubmitConcurrentlyAsync(engine, 10);
        (await Sessions.RunAsync(peer, engine)).Require();

        Assert.Equal(10UL, engine.Known[new NodeId(1)]);
        Assert.Equal(5UL, engine.Known[new NodeId(2)]);
        Assert.Equal(15, engine.Read(s => s.Calls)); // every event was offered to the handler, once
        Assert.Equal(10UL, peer.Known[new NodeId(1)]); // and the peer got this node's events despite the handler
    }

    [Fact]
    public async Task A_read_after_a_submit_sees_it_applied()
    {
        using var dir = new TempDirectory("fold-ryw");
        await using var engine = await OpenAsync(dir.Sub("node"), 1);
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (int i = 0; i < 50; i++)
            {
                var e = await engine.SubmitAsync(1, Encoding.UTF8.GetBytes($"w{w}-{i}"));
                string mine = $"{e.Origin}#{e.Sequence}:1:w{w}-{i}";
                Assert.Contains(mine, engine.Read(s => s.Entries.ToArray()));
            }
        }));
        await Task.WhenAll(writers).WaitAsync(Sessions.Guard);
        Assert.Equal(200, engine.Read(s => s.Count));
    }

    [Fact]
    public async Task A_change_feed_reader_that_reads_the_state_finds_the_event_applied()
    {
        using var dir = new TempDirectory("fold-feed");
        var state = new GatedState();
        await using var engine = await OpenAsync(dir.Sub("node"), 1, state);
        state.Gate.Set();
        using var stop = new CancellationTokenSource(Sessions.Guard);
        var submitting = Sessions.SubmitConcurrentlyAsync(engine, 30);
        int seen = 0;
        await foreach (var change in engine.Changes(null, stop.Token))
        {
            Assert.Contains(change.Envelope.Sequence, engine.Read(s => s.Applied.ToArray()));
            if (++seen == 30) break;
        }
        await submitting;
    }

    [Fact]
    public async Task Closing_folds_what_is_left_into_the_snapshot_and_reopening_resumes_from_it()
    {
        using var dir = new TempDirectory("fold-close");
        string path = dir.Sub("node");
        await using (var engine = await OpenAsync(path, 1, new CountingLedgerState()))
            await Sessions.SubmitConcurrentlyAsync(engine, 25);
        await using var reopened = await OpenAsync(path, 1, new CountingLedgerState());
        Assert.Equal((0, 25), reopened.Read(s => (s.Applies, s.Count)));
    }
}

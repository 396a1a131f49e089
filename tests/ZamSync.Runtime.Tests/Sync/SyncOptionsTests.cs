using ZamSync.Sync;
using ZamSync.Tests.Support;

namespace ZamSync.Tests.Sync;

/// <summary>
/// Every <see cref="SyncOptions"/> value a session accepts is one it can run with (issue 9, defect 6: a budgeted session
/// with <c>MaxBatchBytes</c> below 256 threw <see cref="ArgumentException"/> as soon as it had events to send), and the
/// values it cannot run with are refused where they are set, naming the option and the value.
/// </summary>
public class SyncOptionsTests
{
    [Theory]
    [InlineData(64)]
    [InlineData(100)]
    [InlineData(255)]
    public async Task A_budgeted_session_with_small_batches_delivers_everything(int maxBatchBytes)
    {
        const long Cap = 1500;
        using var dir = new TempDirectory();
        await using var a = await Nodes.OpenAsync(dir.Sub("a"), 1);
        await using var b = await Nodes.OpenAsync(dir.Sub("b"), 2);
        await Sessions.SubmitConcurrentlyAsync(a, 120, "a");
        await Sessions.SubmitConcurrentlyAsync(b, 90, "b");
        var options = new SyncOptions { MaxBatchBytes = maxBatchBytes };

        int sessions = 0, aSent = 0, bSent = 0;
        while (!(a.Known.Equals(b.Known) && a.Known[a.NodeId] == 120 && a.Known[b.NodeId] == 90))
        {
            Assert.True(++sessions <= 40, "capped sessions made no progress");
            var (client, server) = (await Sessions.RunAsync(a, b,
                s => s.WithMaxBytes(Cap).WithOptions(options), s => s.WithOptions(options))).Require();
            Assert.InRange(client.BytesSent, 1, Cap);
            Assert.InRange(server.BytesSent, 1, Cap);
            Assert.True(client.EventsSent + server.EventsSent > 0 || !client.BudgetExhausted);
            aSent += client.EventsSent;
            bSent += server.EventsSent;
        }
        Assert.Equal(120, aSent); // each event exactly once
        Assert.Equal(90, bSent);
        Assert.Equal(a.State.Hash(), b.State.Hash());
    }

    [Fact]
    public async Task Batches_stay_within_MaxBatchBytes_under_a_budget_unless_one_event_is_larger()
    {
        using var dir = new TempDirectory();
        await using var a = await Nodes.OpenAsync(dir.Sub("a"), 1);
        await using var b = await Nodes.OpenAsync(dir.Sub("b"), 2);
        await Sessions.SubmitConcurrentlyAsync(a, 40, "a");
        var options = new SyncOptions { MaxBatchBytes = 100 };
        var (a2, b2) = Testing.InMemoryTransport.CreatePair();
        var recorder = new RecordingTransport(a2);
        var serving = b.CreateSession(b2).WithOptions(options).ServeOneAsync(a.NodeId);
        var stats = await a.CreateSession(recorder).WithMaxBytes(100_000).WithOptions(options).SyncAsync(b.NodeId);
        await serving;
        await a2.DisposeAsync();
        await b2.DisposeAsync();

        Assert.Equal(40, stats.EventsSent);
        var batches = recorder.Sent.OfType<EventBatchMessage>().ToList();
        Assert.True(batches.Count > 1);
        Assert.All(batches, batch => Assert.True(batch.Events.Count == 1 || SyncMessageCodec.EventBatchSize(batch.Events) <= 100));
        Assert.Equal(40UL, b.Known[a.NodeId]);
    }

    public static TheoryData<string, Func<SyncOptions>> Invalid() => new()
    {
        { "MaxBatchEvents", () => new SyncOptions { MaxBatchEvents = 0 } },
        { "MaxBatchEvents", () => new SyncOptions { MaxBatchEvents = SyncMessageCodec.MaxBatchEvents + 1 } },
        { "MaxBatchBytes", () => new SyncOptions { MaxBatchBytes = 63 } },
        { "MaxBatchBytes", () => new SyncOptions { MaxBatchBytes = -5 } },
        { "MaxBatchBytes", () => new SyncOptions { MaxBatchBytes = SyncMessageCodec.MaxMessageBytes + 1 } },
        { "HandshakeTimeout", () => new SyncOptions { HandshakeTimeout = TimeSpan.Zero } },
        { "HandshakeTimeout", () => new SyncOptions { HandshakeTimeout = TimeSpan.FromSeconds(-3) } },
        { "IdleTimeout", () => new SyncOptions { IdleTimeout = TimeSpan.Zero } },
        { "IdleTimeout", () => new SyncOptions { IdleTimeout = TimeSpan.FromDays(60) } },
        { "SessionTimeout", () => new SyncOptions { SessionTimeout = TimeSpan.FromTicks(-1) } },
        { "SessionTimeout", () => new SyncOptions { SessionTimeout = TimeSpan.MaxValue } },
        { "SessionTimeout", () => new SyncOptions() with { SessionTimeout = TimeSpan.Zero } },
        { "MaxReceivedBytesInFlight", () => new SyncOptions { MaxReceivedBytesInFlight = -1 } },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void A_value_the_session_cannot_run_with_is_refused_where_it_is_set(string option, Func<SyncOptions> make)
    {
        var error = Assert.ThrowsAny<ArgumentException>(make);
        Assert.Equal(option, error.ParamName);
        Assert.Contains(option, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_refusal_names_the_value()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new SyncOptions { MaxBatchBytes = 63 });
        Assert.Contains("63", error.Message, StringComparison.Ordinal);
        Assert.Equal(63, error.ActualValue);
    }

    [Fact]
    public void Limits_at_the_edges_and_no_deadline_are_accepted()
    {
        var options = new SyncOptions
        {
            MaxBatchEvents = 1,
            MaxBatchBytes = 64,
            HandshakeTimeout = Timeout.InfiniteTimeSpan,
            IdleTimeout = TimeSpan.FromMilliseconds(1),
            SessionTimeout = SyncOptions.MaxTimeout,
            MaxReceivedBytesInFlight = 0,
        };
        options.Validate();
        (options with { MaxBatchEvents = SyncMessageCodec.MaxBatchEvents, MaxBatchBytes = SyncMessageCodec.MaxMessageBytes, MaxReceivedBytesInFlight = long.MaxValue }).Validate();
    }
}

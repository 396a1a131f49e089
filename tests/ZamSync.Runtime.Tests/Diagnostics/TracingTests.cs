using System.Diagnostics;
using ZamSync.Diagnostics;
using ZamSync.Tests.Support;

namespace ZamSync.Tests.Diagnostics;

/// <summary>
/// Each session is one span on the <c>ZamSync</c> source with its outcome, what moved and the handshake as an event;
/// each compaction is one span too. Tests run in parallel, so each listens only to spans of its own node ids.
/// </summary>
public class TracingTests
{
    /// <summary>Every stopped ZamSync span whose <c>node</c> tag is one of <paramref name="nodes"/>.</summary>
    private sealed class SpanRecorder : IDisposable
    {
        private readonly ActivityListener _listener;
        private readonly List<Activity> _stopped = new();

        public SpanRecorder(params ulong[] nodes)
        {
            var ids = nodes.Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == ZamTracing.SourceName,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = a => { if (a.GetTagItem("node") is string n && ids.Contains(n)) lock (_stopped) _stopped.Add(a); },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public List<Activity> Named(string name)
        {
            lock (_stopped) return _stopped.Where(a => a.OperationName == name).ToList();
        }

        public void Dispose() => _listener.Dispose();
    }

    [Fact]
    public async Task A_session_is_exactly_one_span_a_side_with_its_outcome_counts_and_handshake()
    {
        using var dir = new TempDirectory("trace-session");
        using var spans = new SpanRecorder(401, 402);
        await using var a = await Nodes.OpenAsync(dir.Sub("a"), 401);
        await using var b = await Nodes.OpenAsync(dir.Sub("b"), 402);
        await Sessions.SubmitConcurrentlyAsync(a, 5, "a");

        var (client, server) = (await Sessions.RunAsync(a, b)).Require();

        var sessions = spans.Named(ZamTracing.SessionActivity);
        Assert.Equal(2, sessions.Count);
        var initiator = Assert.Single(sessions, s => (string?)s.GetTagItem("node") == "401");
        Assert.Equal(ActivityKind.Client, initiator.Kind);
        Assert.Equal(ActivityStatusCode.Ok, initiator.Status);
        Assert.Equal("completed", initiator.GetTagItem("outcome"));
        Assert.Equal("initiator", initiator.GetTagItem("role"));
        Assert.Equal("402", initiator.GetTagItem("peer"));
        Assert.Equal(5, initiator.GetTagItem("events.sent"));
        Assert.Equal(client.BytesSent, initiator.GetTagItem("bytes.sent"));
        Assert.Equal(client.BytesReceived, initiator.GetTagItem("bytes.received"));
        Assert.Equal(1, initiator.GetTagItem("batches.sent"));
        Assert.Single(initiator.Events, e => e.Name == ZamTracing.HandshakeEvent);

        var responder = Assert.Single(sessions, s => (string?)s.GetTagItem("node") == "402");
        Assert.Equal(ActivityKind.Server, responder.Kind);
        Assert.Equal("responder", responder.GetTagItem("role"));
        Assert.Equal(server.EventsReceived, responder.GetTagItem("events.received"));
        Assert.Equal(1, responder.GetTagItem("batches.received"));
    }

    [Fact]
    public async Task A_refused_session_is_one_span_with_an_error_status()
    {
        using var dir = new TempDirectory("trace-refused");
        using var spans = new SpanRecorder(411);
        await using var a = await Nodes.OpenAsync(dir.Sub("a"), 411);
        await using var b = await Nodes.OpenAsync(dir.Sub("b"), 412);

        var outcome = await Sessions.RunAsync(a, b, initiatorExpects: new NodeId(413));
        Assert.NotNull(outcome.InitiatorError);

        var span = Assert.Single(spans.Named(ZamTracing.SessionActivity));
        Assert.Equal("refused", span.GetTagItem("outcome"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Contains("expected node 413", span.StatusDescription, StringComparison.Ordinal);
        Assert.DoesNotContain(span.Events, e => e.Name == ZamTracing.HandshakeEvent);
    }

    [Fact]
    public async Task A_compaction_is_one_span_with_what_it_dropped()
    {
        using var dir = new TempDirectory("trace-compact");
        using var spans = new SpanRecorder(421);
        await using var a = await Nodes.OpenAsync(dir.Sub("a"), 421);
        await using var b = await Nodes.OpenAsync(dir.Sub("b"), 422);
        await Nodes.SubmitManyAsync(b, 1, "b");
        await Nodes.SubmitManyAsync(a, 4, "a");
        (await Sessions.RunAsync(a, b)).Require();

        var result = await a.CompactAsync();

        var span = Assert.Single(spans.Named(ZamTracing.CompactionActivity));
        Assert.Equal(result.EventsDropped, span.GetTagItem("events.dropped"));
        Assert.Equal(result.BytesAfter, span.GetTagItem("bytes.after"));
        Assert.Equal(ActivityStatusCode.Ok, span.Status);
    }
}

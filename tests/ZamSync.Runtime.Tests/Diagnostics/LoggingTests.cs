using System.Text;
using Microsoft.Extensions.Logging;
using ZamSync.Sync;
using ZamSync.Tests.Support;
using static ZamSync.Tests.Wal.WalFileSurgery;

namespace ZamSync.Tests.Diagnostics;

/// <summary>
/// What an operator must hear of reaches <see cref="ZamEngineOptions.LoggerFactory"/> as one line with a stable
/// event id (docs/engine.md, "Logs"): torn tails, quarantines, re-folds, compactions, clocks too far ahead, sessions.
/// </summary>
public class LoggingTests
{
    private const long Now = 1_750_000_000_000;

    [Fact]
    public async Task A_torn_tail_cut_at_open_is_logged_with_its_offset_and_length()
    {
        using var temp = new TempDirectory("log-torn");
        string dir = temp.Sub("node");
        await CreateLogAsync(dir, 1, 3);
        var last = Records(dir)[^1];
        Truncate(WalPath(dir), last.Offset + 10);
        var logs = new CapturingLoggerFactory();

        await using var engine = await Nodes.OpenAsync(dir, 1, new ZamEngineOptions { LoggerFactory = logs });

        var line = Assert.Single(logs.WithId(100));
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Equal("ZamSync.Storage", line.Category);
        Assert.Equal(last.Offset, line.Values["Offset"]);
        Assert.Equal(10L, line.Values["Bytes"]);
        Assert.Contains(dir, line.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_clean_open_logs_no_torn_tail()
    {
        using var temp = new TempDirectory("log-clean");
        string dir = temp.Sub("node");
        await CreateLogAsync(dir, 1, 3);
        var logs = new CapturingLoggerFactory();
        await using var engine = await Nodes.OpenAsync(dir, 1, new ZamEngineOptions { LoggerFactory = logs });
        Assert.Empty(logs.WithId(100));
    }

    private sealed class RefusePayload(string refused) : IEventValidator
    {
        public string? Validate(in EventEnvelope envelope) =>
            Encoding.UTF8.GetString(envelope.Payload.Span) == refused ? $"payload '{refused}' does not fit here" : null;
    }

    [Fact]
    public async Task A_quarantined_event_is_logged_as_a_warning_naming_the_event_the_sender_and_the_reason()
    {
        using var dir = new TempDirectory("log-quarantine");
        var logs = new CapturingLoggerFactory();
        await using var a = await Nodes.OpenAsync(dir.Sub("a"), 1);
        await using var b = await Nodes.OpenAsync(dir.Sub("b"), 2, new ZamEngineOptions { Validator = new RefusePayload("a-1"), LoggerFactory = logs });
        await Sessions.SubmitConcurrentlyAsync(a, 3, "a");

        (await Sessions.RunAsync(a, b)).Require();

        var line = Assert.Single(logs.WithId(200));
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Equal(new NodeId(1), line.Values["Origin"]);
        Assert.Equal(2UL, line.Values["Sequence"]);
        Assert.Equal(new NodeId(1), line.Values["From"]);
        Assert.Contains("does not fit here", line.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_completed_session_is_one_information_line_on_each_side_with_its_counts()
    {
        using var dir = new TempDirectory("log-session");
        var logsA = new CapturingLoggerFactory();
        var logsB = new CapturingLoggerFactory();
        await using var a = await Nodes.OpenAsync(dir.Sub("a"), 1, new ZamEngineOptions { LoggerFactory = logsA });
        await using var b = await Nodes.OpenAsync(dir.Sub("b"), 2, new ZamEngineOptions { LoggerFactory = logsB });
        await Sessions.SubmitConcurrentlyAsync(a, 4, "a");

        var (client, _) = (await Sessions.RunAsync(a, b)).Require();

        var sent = Assert.Single(logsA.WithId(400));
        Assert.Equal(LogLevel.Information, sent.Level);
        Assert.Equal("ZamSync.Sync", sent.Category);
        Assert.Equal("initiator", sent.Values["Role"]);
        Assert.Equal("node 2", sent.Values["Peer"]);
        Assert.Equal(4, sent.Values["EventsSent"]);
        Assert.Equal(client.BytesSent, sent.Values["BytesSent"]);
        var received = Assert.Single(logsB.WithId(400));
        Assert.Equal("responder", received.Values["Role"]);
        Assert.Equal(4, received.Values["EventsReceived"]);
        Assert.Empty(logsA.WithId(401));
        Assert.Empty(logsB.WithId(401));
    }

    [Fact]
    public async Task A_refused_session_is_one_warning_with_its_outcome_and_reason()
    {
        using var dir = new TempDirectory("log-refused");
        var logs = new CapturingLoggerFactory();
        await using var a = await Nodes.OpenAsync(dir.Sub("a"), 1, new ZamEngineOptions { LoggerFactory = logs });
        await using var b = await Nodes.OpenAsync(dir.Sub("b"), 2);

        var outcome = await Sessions.RunAsync(a, b, initiatorExpects: new NodeId(3));
        Assert.NotNull(outcome.InitiatorError);

        var line = Assert.Single(logs.WithId(401));
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Equal("refused", line.Values["Outcome"]);
        Assert.Contains("expected node 3", line.Message, StringComparison.Ordinal);
        Assert.Empty(logs.WithId(400));
    }

    [Fact]
    public async Task Events_from_a_clock_beyond_the_drift_bound_are_logged_once_a_batch_with_how_far_ahead()
    {
        using var dir = new TempDirectory("log-skew");
        var logs = new CapturingLoggerFactory();
        await using var hub = await Nodes.OpenAsync(dir.Sub("hub"), 100, new ZamEngineOptions
        {
            TimeProvider = new ManualTimeProvider(Now), MaxClockDrift = TimeSpan.FromMinutes(15), LoggerFactory = logs,
        });
        await using var clinic = await Nodes.OpenAsync(dir.Sub("clinic"), 1, new ZamEngineOptions { TimeProvider = new ManualTimeProvider(Now + (long)TimeSpan.FromDays(2).TotalMilliseconds) });
        await Sessions.SubmitConcurrentlyAsync(clinic, 3, "future");

        (await Sessions.RunAsync(clinic, hub)).Require();

        var line = Assert.Single(logs.WithId(202));
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Equal(3, line.Values["Count"]);
        Assert.Equal(new NodeId(1), line.Values["From"]);
        var ahead = Assert.IsType<TimeSpan>(line.Values["Ahead"]);
        Assert.InRange(ahead, TimeSpan.FromDays(2), TimeSpan.FromDays(2).Add(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task A_late_event_that_forces_a_refold_is_logged_with_what_arrived_late()
    {
        using var dir = new TempDirectory("log-refold");
        var logs = new CapturingLoggerFactory();
        await using var early = await Nodes.OpenAsync(dir.Sub("early"), 1, new ZamEngineOptions { TimeProvider = new ManualTimeProvider(Now) });
        await using var late = await Nodes.OpenAsync(dir.Sub("late"), 2, new ZamEngineOptions { TimeProvider = new ManualTimeProvider(Now + 60_000), LoggerFactory = logs });
        await Nodes.SubmitManyAsync(early, 2, "early");
        await Nodes.SubmitManyAsync(late, 2, "late");

        (await Sessions.RunAsync(early, late)).Require();
        // Re-folds wait for the log to be quiet, or for a reader: this one reads.
        Assert.Equal(4, late.Read(s => s.Entries.Count));

        var line = Assert.Single(logs.WithId(201));
        Assert.Equal(LogLevel.Information, line.Level);
        Assert.Equal(4, line.Values["Events"]);
        Assert.EndsWith("/1#1", (string)line.Values["Late"]!, StringComparison.Ordinal);
        Assert.EndsWith("/2#2", (string)line.Values["Applied"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compaction_logs_what_it_dropped_and_what_stopped_it()
    {
        using var dir = new TempDirectory("log-compact");
        var logs = new CapturingLoggerFactory();
        await using var a = await Nodes.OpenAsync(dir.Sub("a"), 1, new ZamEngineOptions { LoggerFactory = logs });
        await using var b = await Nodes.OpenAsync(dir.Sub("b"), 2);
        await Nodes.SubmitManyAsync(b, 1, "b");
        await Nodes.SubmitManyAsync(a, 5, "a");

        var nothing = await a.CompactAsync();
        Assert.Equal("no peer", Assert.Single(logs.WithId(301)).Values["StoppedBy"]);

        (await Sessions.RunAsync(a, b)).Require();
        var result = await a.CompactAsync(new CompactionOptions { MaxEvents = 3 });

        Assert.Equal(0, nothing.EventsDropped);
        var line = Assert.Single(logs.WithId(300));
        Assert.Equal(LogLevel.Information, line.Level);
        Assert.Equal("ZamSync.Compaction", line.Category);
        Assert.Equal(3, line.Values["Events"]);
        Assert.Equal(result.BytesBefore, line.Values["BytesBefore"]);
        Assert.Equal(result.BytesAfter, line.Values["BytesAfter"]);
        Assert.Equal("max events", line.Values["StoppedBy"]);
    }
}

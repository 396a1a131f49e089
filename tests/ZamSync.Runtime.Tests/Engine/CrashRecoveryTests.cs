using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;
using ZamSync.Tests.Support;
using static ZamSync.Tests.Wal.WalFileSurgery;

namespace ZamSync.Tests.Engine;

/// <summary>
/// A real process, really killed (SIGKILL) while several tasks submit: every event it acknowledged is there
/// after reopening, sequences stay contiguous, and none is handed out twice. The original acknowledged
/// events before they were durable and re-issued their sequence numbers after a crash.
/// </summary>
public class CrashRecoveryTests(ITestOutputHelper output)
{
    private const ulong Node = 1;
    private const int Rounds = 20, ChildTasks = 4;

    [Fact]
    public async Task Killed_child_never_loses_an_acknowledged_event_and_no_sequence_is_reused()
    {
        using var temp = new TempDirectory("crash");
        string dir = temp.Sub("node");
        var origin = new NodeId(Node);
        int seed = Environment.TickCount;
        var random = new Random(seed);
        output.WriteLine($"seed {seed}, child {CrashChildProcess.DllPath}");

        var acknowledged = new Dictionary<ulong, string>(); // every acknowledgement of every round, the parent's included
        ulong held = 0;                                      // events in the log when the round starts
        int tornRounds = 0;
        var watch = Stopwatch.StartNew();
        for (int round = 1; round <= Rounds; round++)
        {
            string context = $"round {round} (seed {seed})";
            IReadOnlyList<ChildAck> acks;
            IReadOnlyList<string> lines;
            int childPid;
            using (var child = CrashChildProcess.Start(dir, Node, ChildTasks))
            {
                childPid = child.Id;
                Assert.True(await child.WaitForFirstAckAsync(TimeSpan.FromSeconds(30)), $"{context}: the child acknowledged nothing. stderr: {child.Stderr}");
                await Task.Delay(random.Next(50, 401));
                child.Kill();
                lines = await child.LinesAsync();
                acks = await child.AcksAsync();
            }

            // The child saw what the previous round left, and continued from there.
            Assert.Equal($"open {held}", string.Join(' ', lines[0].Split(' ').Take(2)));
            Assert.NotEmpty(acks);
            Assert.Equal(acks.Count, acks.Select(a => a.Sequence).Distinct().Count());
            foreach (var ack in acks)
            {
                Assert.True(ack.Sequence > held, $"{context}: sequence {ack.Sequence} was handed out again (the log held {held})");
                acknowledged.Add(ack.Sequence, ack.Payload);
            }

            await using var engine = await Nodes.OpenAsync(dir, Node);
            if (engine.Recovery.TailWasTorn) tornRounds++;
            ulong count = engine.Known[origin];
            var events = engine.ReadEvents(origin).ToList();
            Assert.Equal(Enumerable.Range(1, (int)count).Select(i => (ulong)i), events.Select(e => e.Sequence)); // contiguous 1..N
            Assert.True(count >= acks.Max(a => a.Sequence), $"{context}: acknowledged up to {acks.Max(a => a.Sequence)}, log holds {count}");
            foreach (var (sequence, payload) in acknowledged)
                Assert.Equal(payload, Text(events[(int)sequence - 1].Payload));
            // Durable but unacknowledged events (killed between fsync and print) are the child's own, nothing else.
            foreach (var e in events.Skip((int)held))
                Assert.True(acknowledged.ContainsKey(e.Sequence) || Text(e.Payload).StartsWith($"p{childPid}-t", StringComparison.Ordinal), $"{context}: unexpected event {e}");
            Assert.Equal((int)count, engine.State.Count);

            string mine = $"parent-{round}";
            var next = await engine.SubmitAsync(2, Payload(mine, mine.Length));
            Assert.Equal(count + 1, next.Sequence);
            acknowledged.Add(next.Sequence, mine);
            held = next.Sequence;
        }
        watch.Stop();

        await using var final = await Nodes.OpenAsync(dir, Node);
        Assert.Equal(held, final.Known[origin]);
        var all = final.ReadEvents(origin).ToDictionary(e => e.Sequence, e => Text(e.Payload));
        Assert.All(acknowledged, a => Assert.Equal(a.Value, all[a.Key]));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Rounds} rounds, {held} events ({acknowledged.Count} acknowledged), {tornRounds} torn tails cut, {watch.Elapsed.TotalSeconds:F1} s"));
    }
}

// The crash-test child: opens an engine on a data directory and submits from several concurrent tasks
// until it is killed, printing one line per acknowledged (durable) event:
//
//     ack <sequence> <payload>
//
// Each line is written with a single write(2) on the unbuffered stdout stream, only after SubmitAsync has
// returned, so a line the parent reads is a promise that the event survives SIGKILL.
//
// Usage: ZamSync.CrashChild <data-directory> [node-id=1] [tasks=4] [max-seconds=60]
// max-seconds is a safety net: a child whose parent died never outlives it by long.

using System.Globalization;
using System.Text;
using ZamSync;

if (args.Length is < 1 or > 4)
{
    Console.Error.WriteLine("usage: ZamSync.CrashChild <data-directory> [node-id=1] [tasks=4] [max-seconds=60]");
    return 2;
}
string directory = args[0];
ulong nodeId = args.Length > 1 ? ulong.Parse(args[1], CultureInfo.InvariantCulture) : 1;
int tasks = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 4;
int maxSeconds = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 60;

using var stdout = Console.OpenStandardOutput();
var writeGate = new Lock();
void Print(string line)
{
    var bytes = Encoding.UTF8.GetBytes(line + "\n");
    lock (writeGate)
    {
        stdout.Write(bytes);
        stdout.Flush();
    }
}

using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(maxSeconds));
await using var engine = await ZamEngine<CountingState>.OpenAsync(directory, new NodeId(nodeId), new CountingState());
Print(string.Create(CultureInfo.InvariantCulture, $"open {engine.Known[engine.NodeId]} {engine.Recovery.TruncatedBytes}"));

var workers = Enumerable.Range(0, tasks).Select(task => Task.Run(async () =>
{
    for (long i = 0; !stop.IsCancellationRequested; i++)
    {
        string payload = string.Create(CultureInfo.InvariantCulture, $"p{Environment.ProcessId}-t{task}-{i}");
        var envelope = await engine.SubmitAsync(1, Encoding.UTF8.GetBytes(payload));
        Print(string.Create(CultureInfo.InvariantCulture, $"ack {envelope.Sequence} {payload}"));
    }
})).ToArray();
await Task.WhenAll(workers);
return 0;

/// <summary>The child's state only counts; the parent checks the log itself.</summary>
internal sealed class CountingState : IStateStore
{
    public long Count { get; private set; }
    public void Apply(in EventEnvelope envelope) => Count++;
    public void Reset() => Count = 0;
}

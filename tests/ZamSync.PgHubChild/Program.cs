// One hub process on PostgreSQL, as a separate OS process for the PostgreSQL tests: it opens the hub's engine on the
// schema (folding the tests' LedgerState), serves clinics over TCP with mutual TLS, and answers commands on stdin, one
// line each, with lines on stdout:
//
//     (at start)   ready <listen-address> <pid>
//     submit <n>   acked <sequence> <hlc-physical> <hlc-logical> <type> <payload> (n times), then submitted <n>
//     state        state <events folded> <hash of the folded LedgerState>
//     quit         stops the hub and the engine cleanly and exits 0 (so does the end of stdin: a parent that died)
//
// An "acked" line is printed only after SubmitAsync returned, so it is a promise that the event is in the database.
// The tests end it with SIGKILL mid-session and start it again under the same data directory (its --process name).
//
// Usage: ZamSync.PgHubChild --dir D --node N --postgres CS --schema S --cert hub.pfx --ca ca.der --name P

using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Npgsql;
using ZamSync;
using ZamSync.Net.Hub;
using ZamSync.Net.Tcp;
using ZamSync.Net.Tls;
using ZamSync.PostgreSql;
using ZamSync.Sync;
using ZamSync.Tests.Support;

string? Argument(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

string[] required = ["--dir", "--node", "--postgres", "--schema", "--cert", "--ca", "--name"];
if (required.FirstOrDefault(r => Argument(r) is null) is { } missing)
{
    Console.Error.WriteLine($"ZamSync.PgHubChild needs {missing}: --dir D --node N --postgres CS --schema S --cert hub.pfx --ca ca.der --name P");
    return 2;
}

using var stdout = Console.OpenStandardOutput();
var writeGate = new Lock();
void Print(string line)
{
    // One write per line, so a line the parent reads whole was printed whole before any kill.
    var bytes = Encoding.UTF8.GetBytes(line + "\n");
    lock (writeGate)
    {
        stdout.Write(bytes);
        stdout.Flush();
    }
}

string name = Argument("--name")!;
var tls = new TlsOptions
{
    Certificate = X509CertificateLoader.LoadPkcs12FromFile(Argument("--cert")!, null),
    Authority = X509CertificateLoader.LoadCertificateFromFile(Argument("--ca")!),
};
await using var dataSource = NpgsqlDataSource.Create(Argument("--postgres")!);
using var log = new ZamSync.PgHubChild.StderrLog();
var options = new ZamEngineOptions { LoggerFactory = log }.UsePostgres(dataSource, new PostgresStoreOptions { Schema = Argument("--schema")! });
var node = new NodeId(ulong.Parse(Argument("--node")!, CultureInfo.InvariantCulture));
await using var engine = await ZamEngine<LedgerState>.OpenAsync(Argument("--dir")!, node, new LedgerState(), options);
// Every clinic of the test connects from 127.0.0.1: raise the per-address bounds so none is refused for that.
await using var hub = new ZamHub(engine, new ZamHubOptions
{
    Listen = "127.0.0.1:0",
    MaxConcurrentSessions = 128,
    Transport = new TcpTransportOptions { Tls = tls, AcceptQueue = 128, MaxPendingConnections = 128, MaxPendingConnectionsPerAddress = 128 },
    AccessPolicy = AccessPolicy.All,
});
hub.SessionEnded += status =>
{
    if (status.LastFailure is { } failed && failed >= status.LastSuccess.GetValueOrDefault())
        Console.Error.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} session with {status.Peer} failed: {status.LastError}");
};
await hub.StartAsync();
Print(string.Create(CultureInfo.InvariantCulture, $"ready {hub.LocalEndPoint} {Environment.ProcessId}"));

int submitted = 0;
string? command;
while ((command = await Console.In.ReadLineAsync()) is not null && command != "quit")
{
    var parts = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    if (parts is ["submit", var count] && int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out int n))
    {
        for (int i = 0; i < n; i++)
        {
            // The payload names the process, so the model can tell whose submit each hub event was.
            string payload = string.Create(CultureInfo.InvariantCulture, $"hub-{name}-{Environment.ProcessId}-{++submitted}");
            var e = await engine.SubmitAsync(1, Encoding.UTF8.GetBytes(payload));
            Print(string.Create(CultureInfo.InvariantCulture, $"acked {e.Sequence} {e.Hlc.Physical} {e.Hlc.Logical} {e.EventType} {payload}"));
        }
        Print(string.Create(CultureInfo.InvariantCulture, $"submitted {n}"));
    }
    else if (command == "state")
    {
        // What this process folded from the database: every event it published, once, in fold order.
        var (folded, hash) = engine.Read(s => (s.Count, s.Hash()));
        Print(string.Create(CultureInfo.InvariantCulture, $"state {folded} {hash}"));
    }
    else
    {
        Print($"error unknown command '{command}'");
    }
}
await hub.StopAsync();
return 0;

using ClinicApp.Contracts;
using ZamSync;
using ZamSync.Net.Hub;

// The hub: one engine, the single writer of its directory, serving every node at once.
// Usage: ClinicApp.Hub [listen address, default 127.0.0.1:7000] [sessions to serve before exiting, default: forever]
// For production, set ZamHubOptions.Transport.Tls (mutual TLS with ZamPki certificates).
string listen = args.Length > 0 ? args[0] : "127.0.0.1:7000";
int? sessions = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : null;

await using var engine = await ZamEngine<ClinicState>.OpenAsync("hub-data", NodeId.Parse("1000"));
await using var hub = new ZamHub(engine, new ZamHubOptions { Listen = listen });
var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
int served = 0;
hub.SessionEnded += _ => { if (Interlocked.Increment(ref served) == sessions) done.TrySetResult(); };
Console.CancelKeyPress += (_, e) => { e.Cancel = true; done.TrySetResult(); };
await hub.StartAsync();
Console.WriteLine($"hub 1000 listening on {hub.LocalEndPoint}");

await done.Task;
await hub.StopAsync();
Console.WriteLine($"hub holds {engine.Read(s => s.Patients.Count)} patients");

using ClinicApp.Contracts;
using ZamSync;
using ZamSync.Net.Tcp;

// A clinic node: records events offline (durable when SubmitAsync returns), then syncs with the hub.
// Usage: ClinicApp.Node [hub address, default 127.0.0.1:7000]
string hubAddress = args.Length > 0 ? args[0] : "127.0.0.1:7000";
var hubId = NodeId.Parse("1000");

await using var clinic = await ZamEngine<ClinicState>.OpenAsync("node-data", NodeId.Parse("7"));
await clinic.SubmitAsync(new PatientRegistered("P-001", "Dorji", new DateOnly(1990, 4, 2)));
await clinic.SubmitAsync(new VitalsRecorded("P-001", 120, 80));

await using var link = await TcpTransport.ConnectAsync(hubId, hubAddress);
var stats = await clinic.CreateSession(link).WithMaxBytes(100_000).SyncAsync(hubId);
Console.WriteLine($"synced: sent {stats.EventsSent} events, received {stats.EventsReceived} ({stats.BytesSent} bytes up)");

using System.Globalization;
using Npgsql;
using ZamSync.Net.Hub;
using ZamSync.PostgreSql;
using ZamSync.Net.Tcp;
using ZamSync.Sync;

namespace ZamSync.Bench.Harness.HubProcess;

/// <summary>
/// The hidden mode in which the benchmark executable runs as a hub process, so the hub's CPU time and peak
/// memory are its own and not mixed with the clinics'. It talks to the benchmark through lines on stdin and
/// stdout (<see cref="HubProtocol"/>): after <c>ready</c> it waits for <c>go</c> (reset the peak, note CPU and
/// applies), then <c>report</c> (what happened since <c>go</c>), then <c>quit</c>.
/// </summary>
internal static class HubChild
{
    public const string Flag = "--hub-child";

    /// <summary>Runs the hub mode; <paramref name="args"/> are what <see cref="HubProcessHandle"/> passed after <see cref="Flag"/>.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var kind = Enum.Parse<HubKind>(Argument(args, "--kind"), ignoreCase: true);
        string directory = Argument(args, "--dir");
        var node = new NodeId(ulong.Parse(Argument(args, "--node"), CultureInfo.InvariantCulture));
        int clinics = int.Parse(Argument(args, "--clinics"), CultureInfo.InvariantCulture);

        await using var database = kind == HubKind.Postgres ? NpgsqlDataSource.Create(Argument(args, "--postgres")) : null;
        var engine = kind switch
        {
            HubKind.Folding => await ZamEngine<CounterState>.OpenAsync(directory, node, new CounterState()).ConfigureAwait(false),
            HubKind.Relay => await RelayOpener.OpenAsync(directory, node).ConfigureAwait(false),
            _ => await ZamEngine.OpenRelayAsync(directory, node,
                RelayOpener.ClinicContract().UsePostgres(database!, new PostgresStoreOptions { Schema = Argument(args, "--schema") })).ConfigureAwait(false),
        };
        await using (engine.ConfigureAwait(false))
        {
            using var applied = new InstrumentCounter(engine.Metrics.EventsApplied);
            using var fsyncs = InstrumentCounter.Fsyncs(engine);
            // All clinics connect at once from 127.0.0.1 (as from behind one NAT): every bound that would queue or
            // refuse part of the burst is raised to it, so all sessions run concurrently. Each clinic sends only its
            // own events and receives none (OwnOnly), so a run moves the same bytes every time.
            var hub = new ZamHub(engine, new ZamHubOptions
            {
                Listen = "127.0.0.1:0",
                MaxConcurrentSessions = clinics,
                AccessPolicy = AccessPolicy.OwnOnly,
                Transport = new TcpTransportOptions
                {
                    AcceptQueue = clinics, MaxPendingConnections = clinics, MaxPendingConnectionsPerAddress = clinics,
                },
            });
            await using (hub.ConfigureAwait(false))
            {
                await hub.StartAsync().ConfigureAwait(false);
                var sink = new RawSink();
                await using (sink.ConfigureAwait(false))
                {
                    HubProtocol.Write("ready", ("hub", hub.LocalEndPoint.ToString()), ("sink", sink.LocalEndPoint.ToString()), ("pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture)));
                    TimeSpan cpuAtGo = default;
                    long appliedAtGo = 0, fsyncsAtGo = 0, sessionsAtGo = 0;
                    string? command;
                    while ((command = await Console.In.ReadLineAsync().ConfigureAwait(false)) is not null && command != "quit")
                    {
                        switch (command)
                        {
                            case "go":
                                Settle.Now();
                                long rss = ProcStatus.ReadKiB(Environment.ProcessId, "VmRSS") ?? 0;
                                bool reset = ProcStatus.ResetOwnPeak();
                                cpuAtGo = Environment.CpuUsage.TotalTime;
                                appliedAtGo = applied.Count;
                                fsyncsAtGo = fsyncs.Count;
                                sessionsAtGo = hub.Peers.Values.Sum(p => (long)p.Sessions);
                                HubProtocol.Write("go", ("rss_kib", Invariant(rss)), ("peak_reset", reset ? "1" : "0"));
                                break;
                            case "report":
                                // A folding hub's state may still be folding what the last session stored: wait for it.
                                long folded = engine is ZamEngine<CounterState> folding ? folding.Read(s => s.Count) : -1;
                                var cpu = Environment.CpuUsage.TotalTime - cpuAtGo;
                                long held = engine.Known.Sum(e => (long)e.Value);
                                HubProtocol.Write("report",
                                    ("held", Invariant(held)), ("folded", Invariant(folded)),
                                    ("applied", Invariant(applied.Count - appliedAtGo)), ("fsyncs", Invariant(fsyncs.Count - fsyncsAtGo)),
                                    ("sessions", Invariant(hub.Peers.Values.Sum(p => (long)p.Sessions) - sessionsAtGo)),
                                    ("cpu_us", Invariant((long)cpu.TotalMicroseconds)),
                                    ("hwm_kib", Invariant(ProcStatus.ReadKiB(Environment.ProcessId, "VmHWM") ?? 0)),
                                    // Where the memory is: the GC's committed heap at its last collection and the threads.
                                    ("gc_committed_kib", Invariant(GC.GetGCMemoryInfo().TotalCommittedBytes / 1024)),
                                    ("gc_heap_kib", Invariant(GC.GetGCMemoryInfo().HeapSizeBytes / 1024)),
                                    ("threads", Invariant(System.Diagnostics.Process.GetCurrentProcess().Threads.Count)),
                                    // Last: a full collection, to tell what is still referenced from what was garbage.
                                    ("live_kib", Invariant(GC.GetTotalMemory(forceFullCollection: true) / 1024)),
                                    ("rss_kib", Invariant(ProcStatus.ReadKiB(Environment.ProcessId, "VmRSS") ?? 0)));
                                break;
                            default:
                                HubProtocol.Write("error", ("unknown", command));
                                break;
                        }
                    }
                }
            }
        }
        return 0;
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Argument(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"The hub mode needs {name}.");
    }
}

using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using Contracts.V1;
using ZamSync.Diagnostics;
using ZamSync.Net.Hub;
using ZamSync.Net.Tcp;
using ZamSync.Sync;

namespace ZamSync.Tool.Tests;

public sealed class PingTests
{
    [Fact]
    public async Task Ping_of_a_hub_holding_10000_events_moves_no_events_and_leaves_no_trace_of_the_prober()
    {
        using var dirs = await NodeDirectories.CreateAsync();
        using var meters = new HubMeters();
        await using var engine = await ZamEngine<ReadingsState>.OpenAsync(Path.Combine(dirs.Root, "big-hub"), new NodeId(1000),
            new ZamEngineOptions { MeterFactory = meters });
        for (int round = 0; round < 100; round++)
            await Task.WhenAll(Enumerable.Range(0, 100).Select(i => engine.SubmitAsync(new Reading($"r-{round}-{i}", i)).AsTask()));
        await using var hub = new ZamHub(engine, new ZamHubOptions { Listen = "127.0.0.1:0" });
        await hub.StartAsync();
        string address = $"127.0.0.1:{hub.LocalEndPoint.Port}";

        var run = await ToolRun.RunAsync("ping", "--hub", address, "--hub-id", "1000", "--as", "77", "--json");
        Assert.True(run.ExitCode == 0, run.Error);
        var answer = JsonNode.Parse(run.Out)!;
        Assert.Equal("1000", (string?)answer["node"]);
        Assert.Equal(engine.ContractFingerprint, (string?)answer["contractFingerprint"]);
        Assert.Equal(10_000UL, (ulong)answer["holds"]!["1000"]!);
        Assert.True((double)answer["roundTripMs"]! > 0);
        Assert.InRange((long)answer["bytesReceived"]!, 1, 1024); // a handshake; 10,000 events are far more

        // The hub's own counters: one probe session, nothing sent but its handshake, no events.
        await meters.ProbeEnded.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, meters.Sum(ZamMetrics.Instruments.EventsSent));
        Assert.InRange(meters.Sum(ZamMetrics.Instruments.BytesSent), 1, 1024);
        Assert.False(engine.Peers.ContainsKey(new NodeId(77))); // compaction never waits for a ping
        Assert.False(hub.Peers.ContainsKey(new NodeId(77)));
    }

    [Fact]
    public async Task Ping_names_the_wrong_hub_and_an_unreachable_address_in_one_line()
    {
        using var dirs = await NodeDirectories.CreateAsync();
        await using var engine = await ZamEngine<ReadingsState>.OpenAsync(Path.Combine(dirs.Root, "hub2"), new NodeId(1000));
        await using var hub = new ZamHub(engine, new ZamHubOptions { Listen = "127.0.0.1:0" });
        await hub.StartAsync();
        string address = $"127.0.0.1:{hub.LocalEndPoint.Port}";
        var wrong = await ToolRun.RunAsync("ping", "--hub", address, "--hub-id", "5");
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains(address, Assert.Single(wrong.ErrorLines));

        await hub.StopAsync();
        var gone = await ToolRun.RunAsync("ping", "--hub", address);
        Assert.Equal(1, gone.ExitCode);
        Assert.Contains(address, Assert.Single(gone.ErrorLines));

        var usage = await ToolRun.RunAsync("ping", "--hub", address, "--cert", "x.pfx");
        Assert.Equal(2, usage.ExitCode);
    }

    [Fact]
    public async Task A_probe_over_an_in_memory_pair_returns_the_responders_handshake()
    {
        using var dirs = await NodeDirectories.CreateAsync();
        await using var hub = await ZamEngine<ReadingsState>.OpenAsync(dirs.HubDir, new NodeId(NodeDirectories.Hub));
        var (a, b) = Testing.InMemoryTransport.CreatePair();
        await using (a)
        await using (b)
        {
            var serving = hub.CreateSession(b).ServeOneAsync();
            var result = await SyncProbe.RunAsync(a, new NodeId(99), TimeSpan.FromSeconds(30));
            var stats = await serving;
            Assert.True(stats.Probe);
            Assert.Equal(0, stats.EventsSent);
            Assert.Equal(new NodeId(NodeDirectories.Hub), result.Peer);
            Assert.Equal(hub.Known, result.Holds);
        }
        Assert.False(hub.Peers.ContainsKey(new NodeId(99)));
    }

    /// <summary>The hub engine's meter, listened to: sums per instrument, and a signal when a probe session ends.</summary>
    private sealed class HubMeters : IMeterFactory
    {
        private readonly List<Meter> _meters = new();
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, long> _sums = new();

        public HubMeters()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                lock (_meters)
                    if (_meters.Contains(instrument.Meter)) listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                _sums.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value);
                if (instrument.Name == ZamMetrics.Instruments.Sessions)
                    foreach (var tag in tags)
                        if (tag is { Key: "outcome", Value: "probe" }) ProbeEnded.TrySetResult();
            });
            _listener.Start();
        }

        public TaskCompletionSource ProbeEnded { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long Sum(string instrument) => _sums.GetValueOrDefault(instrument);

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            lock (_meters) _meters.Add(meter);
            _listener.RecordObservableInstruments();
            return meter;
        }

        public void Dispose()
        {
            _listener.Dispose();
            lock (_meters) foreach (var meter in _meters) meter.Dispose();
        }
    }
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ZamSync.Hosting.Replication;
using ZamSync.Hosting.Tests.Support;
using ZamSync.Net.Hub;
using ZamSync.Net.Tcp;
using ZamSync.Tests.Support;

namespace ZamSync.Hosting.Tests.Replication;

public class ReplicatorTests
{
    [Fact]
    public async Task SyncNowAsync_spam_starts_at_most_one_session_per_minimum_interval()
    {
        using var dir = new TempDirectory();
        using var pki = new TestPki();
        await using var hub = await TestHub.StartAsync(dir.Sub("hub"), pki);
        var time = new WatchedTime(WatchedTime.SafeStart());
        using var host = ClinicHost.Build(dir.Sub("clinic"), 7, pki, time, o =>
        {
            o.Peers = [new ZamReplicatorPeer { Address = hub.Address, NodeId = TestHub.Id.Value }];
            o.Interval = TimeSpan.FromDays(1);
            o.MinInterval = TimeSpan.FromMinutes(5);
        });
        var replicator = host.Replicator();
        using var watch = new PeerWatch(replicator);
        await host.StartAsync();
        var first = await watch.RoundEndedAsync(); // the round the replicator runs as it starts
        var firstStart = first.LastAttempt!.Value;
        await hub.SessionEndedAsync();

        // Within the minimum interval every request is answered at once, naming when to ask again.
        await Nodes.SubmitManyAsync(host.Engine(), 3, "later");
        var spam = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => replicator.SyncNowAsync()));
        Assert.All(spam, r => Assert.Equal((ReplicationOutcome.Throttled, 0, firstStart + TimeSpan.FromMinutes(5)),
            (r.Peers[0].Outcome, r.Peers[0].Attempts, r.Peers[0].NextAttempt)));
        Assert.Equal(1, hub.Sessions);

        // Once it passed, twenty requests at once share one round: one session, one result.
        time.Advance(TimeSpan.FromMinutes(5));
        var joined = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => replicator.SyncNowAsync(TestHub.Id)));
        Assert.All(joined, r => Assert.Same(joined[0], r));
        Assert.Equal((ReplicationOutcome.Synced, 1, 3), (joined[0].Outcome, joined[0].Attempts, joined[0].Stats!.EventsSent));
        await hub.SessionEndedAsync();

        // And right after it, requests are throttled again.
        time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(ReplicationOutcome.Throttled, (await replicator.SyncNowAsync(TestHub.Id)).Outcome);
        await host.StopAsync();
        Assert.Equal(2, hub.Sessions);
        Assert.Equal(3, hub.Engine.Read(s => s.Count));
    }

    [Fact]
    public async Task Clinics_replicating_through_a_hosted_hub_converge()
    {
        using var dir = new TempDirectory();
        using var pki = new TestPki();
        var hubBuilder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        hubBuilder.Services.AddZamSyncNode<LedgerState>(o => { o.DataDirectory = dir.Sub("hub"); o.NodeId = TestHub.Id.Value; });
        hubBuilder.Services.AddZamSyncHub(new ZamHubOptions { Listen = "127.0.0.1:0", Transport = new TcpTransportOptions { Tls = pki.Hub(TestHub.Id) } });
        using var hubHost = hubBuilder.Build();
        await hubHost.StartAsync();
        string address = hubHost.Services.GetRequiredService<ZamHub>().LocalEndPoint.ToString();

        void Configure(ZamReplicatorOptions o)
        {
            o.Peers = [new ZamReplicatorPeer { Address = address, NodeId = TestHub.Id.Value }];
            o.Interval = TimeSpan.FromHours(1);
            o.MinInterval = TimeSpan.Zero;
        }
        using var a = ClinicHost.Build(dir.Sub("a"), 7, pki, null, Configure);
        using var b = ClinicHost.Build(dir.Sub("b"), 8, pki, null, Configure);
        await a.StartAsync();
        await b.StartAsync();
        await Nodes.SubmitManyAsync(a.Engine(), 10, "khaling");
        await Nodes.SubmitManyAsync(b.Engine(), 10, "trashigang");

        // A request joins a round that is running (the one at start), so ask until a round ran after the submits.
        foreach (var host in new[] { a, b, a })
        {
            await host.Replicator().SyncNowAsync();
            Assert.True((await host.Replicator().SyncNowAsync()).AllSynced);
        }

        var hubEngine = hubHost.Services.GetRequiredService<ZamEngine<LedgerState>>();
        Assert.Equal(20, hubEngine.Read(s => s.Count));
        Assert.All(new[] { a.Engine(), b.Engine() }, e =>
        {
            Assert.Equal(hubEngine.Known, e.Known);
            Assert.Equal(hubEngine.Read(s => s.Hash()), e.Read(s => s.Hash()));
        });
        var state = a.Replicator().Peers.Single();
        Assert.Equal((ReplicationOutcome.Synced, 0), (state.LastOutcome, state.ConsecutiveFailures));
        Assert.NotNull(state.LastSuccess);

        // The same state is exported on the host's ZamSync meter.
        var measured = new Dictionary<string, double>();
        using (var listener = new System.Diagnostics.Metrics.MeterListener())
        {
            var meters = a.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name.StartsWith("zamsync.replicator.", StringComparison.Ordinal) && ReferenceEquals(instrument.Meter.Scope, meters))
                    l.EnableMeasurementEvents(instrument);
            };
            listener.SetMeasurementEventCallback<long>((i, value, _, _) => measured[i.Name] = measured.GetValueOrDefault(i.Name) + value);
            listener.SetMeasurementEventCallback<int>((i, value, _, _) => measured[i.Name] = value);
            listener.SetMeasurementEventCallback<double>((i, value, _, _) => measured[i.Name] = value);
            listener.Start();
            listener.RecordObservableInstruments();
        }
        Assert.Equal(state.BytesToday, measured["zamsync.replicator.bytes_today"]);
        Assert.Equal(0, measured["zamsync.replicator.consecutive_failures"]);
        Assert.InRange(measured["zamsync.replicator.since_last_success"], 0, 3600);
        Assert.False(measured.ContainsKey("zamsync.replicator.budget_remaining")); // no daily cap configured
        await a.StopAsync();
        await b.StopAsync();
        await hubHost.StopAsync();
    }

    [Fact]
    public async Task Options_bind_from_configuration_and_bad_ones_fail_the_start_naming_the_key()
    {
        using var dir = new TempDirectory();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ZamSync:Node:DataDirectory"] = dir.Sub("n"),
            ["ZamSync:Node:NodeId"] = "7",
            ["ZamSync:Replicator:Peers:0:Address"] = "hub.example:7000",
            ["ZamSync:Replicator:Peers:0:NodeId"] = "1000",
            ["ZamSync:Replicator:Peers:1:Address"] = "no-port",
            ["ZamSync:Replicator:Peers:1:NodeId"] = "1000",
            ["ZamSync:Replicator:Interval"] = "00:10:00",
            ["ZamSync:Replicator:MinInterval"] = "00:20:00",
            ["ZamSync:Replicator:MaxBytesPerSession"] = "200000",
            ["ZamSync:Replicator:MaxBytesPerDay"] = "0",
            ["ZamSync:Replicator:DayBoundary"] = "Utc",
            ["ZamSync:Replicator:CertificateFile"] = Path.Combine(dir.Path, "missing.pfx"),
            ["ZamSync:Replicator:AuthorityFile"] = Path.Combine(dir.Path, "missing.crt"),
        });
        builder.Services.AddZamSyncNode<LedgerState>();
        builder.Services.AddZamSyncReplicator();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("ZamSync:Replicator:Peers:1:Address: 'no-port' is not host:port", error.Message);
        Assert.Contains("ZamSync:Replicator:Peers:1:NodeId: 1000 is listed twice", error.Message);
        Assert.Contains("ZamSync:Replicator:MinInterval: 00:20:00 is longer than ZamSync:Replicator:Interval (00:10:00)", error.Message);
        Assert.Contains("ZamSync:Replicator:MaxBytesPerDay: must be positive", error.Message);
        Assert.Contains($"ZamSync:Replicator:CertificateFile: '{Path.Combine(dir.Path, "missing.pfx")}' does not exist", error.Message);
        Assert.DoesNotContain("Peers:0", error.Message); // the first peer was bound whole and is fine
        Assert.False(File.Exists(Path.Combine(dir.Path, "n", "zamsync.lock")), "the node must not open when the replicator's options are wrong");
    }
}

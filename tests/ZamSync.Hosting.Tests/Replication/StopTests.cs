using ZamSync.Hosting.Replication;
using ZamSync.Hosting.Tests.Support;
using ZamSync.Testing;
using ZamSync.Tests.Support;

namespace ZamSync.Hosting.Tests.Replication;

public class StopTests
{
    [Fact]
    public async Task Stopping_during_a_round_asked_for_on_demand_waits_for_it_and_loses_nothing()
    {
        using var dir = new TempDirectory();
        using var pki = new TestPki();
        await using var hub = await TestHub.StartAsync(dir.Sub("hub"), pki);
        await using var slow = new LinkSimulator(hub.Hub.LocalEndPoint) { BytesPerSecond = 3000 };
        string data = dir.Sub("clinic");
        void Configure(ZamReplicatorOptions o)
        {
            o.Peers = [new ZamReplicatorPeer { Address = slow.Address, NodeId = TestHub.Id.Value }];
            o.Interval = TimeSpan.FromDays(1);
            o.MinInterval = TimeSpan.Zero;
        }

        using (var host = ClinicHost.Build(data, 7, pki, null, Configure))
        {
            var replicator = host.Replicator();
            using var watch = new PeerWatch(replicator);
            await host.StartAsync();
            await watch.RoundEndedAsync(); // the round at start, with nothing to send
            for (int i = 0; i < 300; i++) await host.Engine().SubmitAsync(1, System.Security.Cryptography.RandomNumberGenerator.GetBytes(40));

            // A round on demand (beside the schedule, which sleeps for a day), stopped once the hub holds some of it.
            var pending = replicator.SyncNowAsync();
            await using (var arrivals = hub.Engine.Changes(hub.Engine.Known).GetAsyncEnumerator())
                Assert.True(await arrivals.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
            await host.StopAsync(); // the node closes its engine only after the round unwound
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        }
        // Bytes still in the slow link reach the hub after the clinic gave up: count what it kept only once its side of
        // both sessions (the empty round at start, the cut one) has ended.
        await hub.SessionEndedAsync();
        await hub.SessionEndedAsync();
        // The clinic may have written the whole upload into the link before it stopped; what the link delivered, the
        // hub keeps (it pipelines what arrives). Either way the next round must send exactly what the hub lacks.
        int partial = hub.Engine.Read(s => s.Count);
        Assert.InRange(partial, 1, 300);

        // Restarted, the next round sends only the rest.
        using (var host = ClinicHost.Build(data, 7, pki, null, o => { Configure(o); o.Peers[0].Address = hub.Address; }))
        {
            var watch = new PeerWatch(host.Replicator());
            await host.StartAsync();
            var ended = await watch.RoundEndedAsync();
            Assert.Equal(ReplicationOutcome.Synced, ended.LastOutcome);
            Assert.Equal(300 - partial, ended.LastStats!.EventsSent);
            await host.StopAsync();
        }
        Assert.Equal(300, hub.Engine.Read(s => s.Count));
    }
}

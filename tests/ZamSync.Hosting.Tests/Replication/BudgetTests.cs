using ZamSync.Hosting.Replication;
using ZamSync.Hosting.Tests.Support;
using ZamSync.Tests.Support;

namespace ZamSync.Hosting.Tests.Replication;

public class BudgetTests
{
    private const long PerDay = 6000;

    private static void Configure(ZamReplicatorOptions o, TestHub hub)
    {
        o.Peers = [new ZamReplicatorPeer { Address = hub.Address, NodeId = TestHub.Id.Value }];
        o.Interval = TimeSpan.FromHours(1);
        o.MinInterval = TimeSpan.FromMinutes(1);
        o.MaxBytesPerSession = 100_000;
        o.MaxBytesPerDay = PerDay;
        o.DayBoundary = BudgetDayBoundary.Utc;
    }

    [Fact]
    public async Task The_daily_budget_stops_syncing_survives_a_restart_and_renews_the_next_day()
    {
        using var dir = new TempDirectory();
        using var pki = new TestPki();
        await using var hub = await TestHub.StartAsync(dir.Sub("hub"), pki);
        string data = dir.Sub("clinic");
        await using (var seed = await Nodes.OpenAsync(data, 7))
        {
            // Random payloads, so compression on the wire cannot squeeze a day's work under the budget.
            for (int i = 0; i < 400; i++) await seed.SubmitAsync(1, System.Security.Cryptography.RandomNumberGenerator.GetBytes(40));
        }
        var time = new WatchedTime(WatchedTime.SafeStart());

        // Day one: sessions until the day's budget is spent, each capped to what is left.
        ReplicatorBudgetState spentState;
        int sessionsOnDayOne;
        using (var host = ClinicHost.Build(data, 7, pki, time, o => Configure(o, hub)))
        {
            var replicator = host.Replicator();
            using var watch = new PeerWatch(replicator);
            await host.StartAsync();
            var first = await watch.RoundEndedAsync();
            Assert.Equal(ReplicationOutcome.Synced, first.LastOutcome);
            Assert.True(first.LastStats!.BudgetExhausted, "400 events do not fit in 6000 bytes");
            Assert.InRange(first.BytesToday, 1, PerDay);

            var outcome = ReplicationOutcome.Synced;
            int synced = 1; // the first, scheduled round
            for (int round = 0; round < 20 && outcome == ReplicationOutcome.Synced; round++)
            {
                time.Advance(TimeSpan.FromMinutes(1));
                var result = (await replicator.SyncNowAsync()).Peers[0];
                outcome = result.Outcome;
                if (outcome == ReplicationOutcome.Synced) synced++;
            }
            Assert.Equal(ReplicationOutcome.DailyBudgetSpent, outcome);
            spentState = replicator.Budget!;
            Assert.True(spentState.Spent);
            Assert.InRange(spentState.BytesToday, PerDay / 2, PerDay); // never past the cap, both directions counted
            Assert.Equal(spentState.BytesToday, replicator.Peers[0].BytesToday);
            await host.StopAsync();
            // Every session of day one has ended on the hub too. (The last attempt, if what was left could not hold a
            // handshake, sent nothing: the hub counts it as a refused connection, not a session.)
            for (int i = 0; i < synced; i++) await hub.SessionEndedAsync();
            sessionsOnDayOne = hub.Sessions;
            Assert.Equal(synced, sessionsOnDayOne);
        }
        int onHub = hub.Engine.Read(s => s.Count);
        Assert.InRange(onHub, 1, 399);
        Assert.True(File.Exists(Path.Combine(data, "replicator.budget.json")));

        // A restart the same day: the count is read back, and no session starts (the hub sees no connection).
        using (var host = ClinicHost.Build(data, 7, pki, time, o => Configure(o, hub)))
        {
            var replicator = host.Replicator();
            using var watch = new PeerWatch(replicator);
            await host.StartAsync();
            var scheduled = await watch.RoundEndedAsync();
            Assert.Equal(ReplicationOutcome.DailyBudgetSpent, scheduled.LastOutcome);
            Assert.Equal(spentState.BytesToday, replicator.Budget!.BytesToday);
            Assert.Equal(spentState.NextDay, scheduled.NextAttempt);
            time.Advance(TimeSpan.FromMinutes(1));
            var asked = await replicator.SyncNowAsync(TestHub.Id);
            Assert.Equal((ReplicationOutcome.DailyBudgetSpent, 0), (asked.Outcome, asked.Attempts));
            Assert.Equal(sessionsOnDayOne, hub.Sessions);
            Assert.Equal(onHub, hub.Engine.Read(s => s.Count));

            // Midnight UTC: the schedule's timer fires and the new day's budget carries more events.
            time.SetUtcNow(spentState.NextDay);
            var nextDay = await watch.WaitForAsync(s => !s.Syncing && s.LastOutcome == ReplicationOutcome.Synced);
            Assert.InRange(nextDay.BytesToday, 1, PerDay);
            Assert.Equal(DateOnly.FromDateTime(spentState.NextDay.UtcDateTime), replicator.Budget!.Day);
            await host.StopAsync();
        }
        Assert.True(hub.Engine.Read(s => s.Count) > onHub, "the new day's session carried events");
    }

    [Fact]
    public void A_day_begins_at_local_midnight_of_the_clock_time_zone()
    {
        var time = new WatchedTime(new DateTimeOffset(2026, 12, 3, 18, 30, 0, TimeSpan.Zero));
        time.SetLocalTimeZone(TimeZoneInfo.CreateCustomTimeZone("Thimphu", TimeSpan.FromHours(6), "Thimphu", "Thimphu"));
        var local = new BudgetDay(time, BudgetDayBoundary.Local);
        var utc = new BudgetDay(time, BudgetDayBoundary.Utc);
        var now = time.GetUtcNow();
        Assert.Equal(new DateOnly(2026, 12, 4), local.DayOf(now)); // 00:30 in Bhutan
        Assert.Equal(new DateTimeOffset(2026, 12, 4, 18, 0, 0, TimeSpan.Zero), local.StartOfNextDay(now).ToUniversalTime());
        Assert.Equal(new DateOnly(2026, 12, 3), utc.DayOf(now));
        Assert.Equal(new DateTimeOffset(2026, 12, 4, 0, 0, 0, TimeSpan.Zero), utc.StartOfNextDay(now));
    }

    [Fact]
    public async Task A_damaged_budget_file_fails_the_start_naming_the_file()
    {
        using var dir = new TempDirectory();
        using var pki = new TestPki();
        string data = dir.Sub("clinic");
        File.WriteAllText(Path.Combine(data, "replicator.budget.json"), "{ not json");
        using var host = ClinicHost.Build(data, 7, pki, null, o =>
        {
            o.Peers = [new ZamReplicatorPeer { Address = "127.0.0.1:9", NodeId = 1000 }];
            o.MaxBytesPerDay = PerDay;
        });
        var error = await Assert.ThrowsAsync<ZamException>(() => host.StartAsync());
        Assert.Contains("replicator.budget.json", error.Message);
        await host.StopAsync();
    }
}

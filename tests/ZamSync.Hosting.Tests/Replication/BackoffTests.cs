using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using ZamSync.Hosting.Replication;
using ZamSync.Hosting.Tests.Support;
using ZamSync.Tests.Support;

namespace ZamSync.Hosting.Tests.Replication;

public class BackoffTests
{
    /// <summary>A loopback port nobody listens on: connecting is refused at once, a transient failure.</summary>
    private static string ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return listener.LocalEndpoint.ToString()!;
    }

    [Fact]
    public async Task Transient_failures_are_retried_at_growing_jittered_delays_then_wait_for_the_next_interval()
    {
        var baseDelay = TimeSpan.FromSeconds(10);
        const int retries = 5;
        using var dir = new TempDirectory();
        using var pki = new TestPki();
        var time = new WatchedTime(WatchedTime.SafeStart());
        var start = time.GetUtcNow();
        using var host = ClinicHost.Build(dir.Sub("clinic"), 7, pki, time, o =>
        {
            o.Peers = [new ZamReplicatorPeer { Address = ClosedPort(), NodeId = 1000 }];
            o.Interval = TimeSpan.FromDays(1);
            o.RetryBaseDelay = baseDelay;
            o.RetryMaxDelay = TimeSpan.FromHours(1); // far above these delays, so none is capped
            o.MaxRetryAttempts = retries;
        });
        var attemptsCounted = new List<string>();
        int retriesCounted = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        var meters = host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name is "zamsync.replicator.attempts" or "zamsync.replicator.retries" && ReferenceEquals(instrument.Meter.Scope, meters))
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) =>
        {
            lock (attemptsCounted)
            {
                if (instrument.Name == "zamsync.replicator.retries") retriesCounted++;
                else foreach (var tag in tags) if (tag.Key == "outcome") attemptsCounted.Add((string)tag.Value!);
            }
        });
        listener.Start();
        var replicator = host.Replicator();
        using var watch = new PeerWatch(replicator);
        await host.StartAsync();

        var delays = new List<TimeSpan>();
        for (int i = 0; i < retries; i++)
        {
            var delay = await time.NextTimerAsync(); // the backoff is waiting now; nothing really waits
            delays.Add(delay);
            // The state names the retry's time; a timer keeps whole milliseconds of it.
            Assert.InRange(replicator.Peers[0].NextAttempt!.Value - time.GetUtcNow() - delay, TimeSpan.Zero, TimeSpan.FromMilliseconds(1));
            time.Advance(delay);
        }
        var ended = await watch.RoundEndedAsync();
        // Exhausted, the peer waits for the next interval; the schedule's timer is the next one created.
        Assert.Equal(TimeSpan.FromDays(1), await time.NextTimerAsync());
        await host.StopAsync();

        Assert.Equal(ReplicationOutcome.RetriesExhausted, ended.LastOutcome);
        Assert.Equal(retries + 1, ended.ConsecutiveFailures);
        Assert.Contains("refused", ended.LastError, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromDays(1), ended.NextAttempt);
        lock (attemptsCounted)
        {
            Assert.Equal(Enumerable.Repeat("transient", retries + 1), attemptsCounted);
            Assert.Equal(retries, retriesCounted);
        }

        // Each attempt happened when its delay ended, on the fake clock.
        var attempts = watch.Seen.Select(s => s.LastAttempt).OfType<DateTimeOffset>().Distinct().ToList();
        var expected = delays.Select((_, k) => start + delays.Take(k + 1).Aggregate(TimeSpan.Zero, (a, d) => a + d)).Prepend(start).ToList();
        Assert.Equal(expected, attempts);

        // Jittered exponential backoff (Polly's decorrelated jitter): each delay is random, but the time from the first
        // failure to the k-th retry stays within a band around base·2^(k-1), so the waits grow exponentially.
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.FromTicks(1), TimeSpan.FromHours(1)));
        var sum = TimeSpan.Zero;
        for (int k = 1; k <= retries; k++)
        {
            sum += delays[k - 1];
            double nominal = baseDelay.TotalSeconds * Math.Pow(2, k - 1);
            Assert.InRange(sum.TotalSeconds, k == 1 ? 0 : 0.65 * nominal, 1.45 * nominal);
        }
        Assert.True(sum > TimeSpan.FromSeconds(100), $"five retries from a 10 s base took only {sum}");
        Assert.NotEqual(Enumerable.Range(0, retries).Select(k => baseDelay * Math.Pow(2, k)), delays); // jitter: not the bare sequence
    }

    [Fact]
    public async Task No_delay_exceeds_the_maximum()
    {
        using var dir = new TempDirectory();
        using var pki = new TestPki();
        var time = new WatchedTime(WatchedTime.SafeStart());
        using var host = ClinicHost.Build(dir.Sub("clinic"), 7, pki, time, o =>
        {
            o.Peers = [new ZamReplicatorPeer { Address = ClosedPort(), NodeId = 1000 }];
            o.Interval = TimeSpan.FromDays(1);
            o.RetryBaseDelay = TimeSpan.FromSeconds(10);
            o.RetryMaxDelay = TimeSpan.FromSeconds(15);
            o.MaxRetryAttempts = 6;
        });
        await host.StartAsync();
        for (int i = 0; i < 6; i++)
        {
            var delay = await time.NextTimerAsync();
            Assert.InRange(delay, TimeSpan.Zero, TimeSpan.FromSeconds(15));
            time.Advance(delay);
        }
        Assert.Equal(TimeSpan.FromDays(1), await time.NextTimerAsync());
        await host.StopAsync();
    }

    [Fact]
    public async Task A_refusal_is_not_retried_until_the_next_interval()
    {
        using var dir = new TempDirectory();
        using var pki = new TestPki();
        await using var hub = await TestHub.StartAsync(dir.Sub("hub"), pki);
        var time = new WatchedTime(WatchedTime.SafeStart());
        using var host = ClinicHost.Build(dir.Sub("clinic"), 7, pki, time, o =>
        {
            // The hub's certificate names 1000: the TLS handshake refuses a hub that is not the one configured.
            o.Peers = [new ZamReplicatorPeer { Address = hub.Address, NodeId = 1001 }];
            o.Interval = TimeSpan.FromHours(1);
        });
        var replicator = host.Replicator();
        using var watch = new PeerWatch(replicator);
        await host.StartAsync();
        var ended = await watch.RoundEndedAsync();
        Assert.Equal(TimeSpan.FromHours(1), await time.NextTimerAsync()); // no backoff timer came first
        await host.StopAsync();

        Assert.Equal(ReplicationOutcome.Failed, ended.LastOutcome);
        Assert.Equal(1, ended.ConsecutiveFailures);
        Assert.Contains("TLS", ended.LastError);
    }
}

using System.Net;
using System.Text.Json;
using ZamSync.AspNetCore.Status;
using ZamSync.AspNetCore.Tests.Support;
using ZamSync.Net.Hub;
using ZamSync.Sync;
using ZamSync.Tests.Support;

namespace ZamSync.AspNetCore.Tests;

/// <summary><c>/api/traffic</c>: bytes per day against the link budget and sessions per hour by outcome.</summary>
public sealed class TrafficTests
{
    [Fact]
    public async Task Traffic_counts_each_clinics_bytes_today_and_its_sessions_this_hour_as_the_hub_saw_them()
    {
        await using var d = await HubDeployment.StartAsync(budgetBytesPerDay: 50_000);
        await d.SubmitAndSyncAsync(HubDeployment.ClinicA, "a-1", "a-2");
        await d.SubmitAndSyncAsync(HubDeployment.ClinicA, "a-3");
        await d.SubmitAndSyncAsync(HubDeployment.ClinicB, "b-1");
        await d.Server.StopAsync(CancellationToken.None); // every session's bookkeeping is done

        using var client = d.Client();
        var traffic = JsonDocument.Parse(await client.GetStringAsync("/api/traffic")).RootElement;
        Assert.Equal(50_000, traffic.GetProperty("budgetBytesPerDay").GetInt64());
        var days = traffic.GetProperty("days").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(HubTraffic.Days, days.Count);
        Assert.Equal(DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), days[^1]);
        Assert.Equal(HubTraffic.Hours, traffic.GetProperty("hours").GetArrayLength());

        var peers = JsonDocument.Parse(await client.GetStringAsync("/api/peers")).RootElement.GetProperty("peers").EnumerateArray()
            .ToDictionary(p => p.GetProperty("node").GetString()!);
        var series = traffic.GetProperty("peers").EnumerateArray().ToDictionary(p => p.GetProperty("node").GetString()!);
        Assert.Equal(["11", "12"], series.Keys.Order());
        foreach (var (node, s) in series)
        {
            // Today's column is what the hub counted for the peer; every earlier day is zero (the API started today).
            var sent = s.GetProperty("bytesSent").EnumerateArray().Select(e => e.GetInt64()).ToList();
            var received = s.GetProperty("bytesReceived").EnumerateArray().Select(e => e.GetInt64()).ToList();
            Assert.Equal(peers[node].GetProperty("bytesSent").GetInt64(), sent[^1]);
            Assert.Equal(peers[node].GetProperty("bytesReceived").GetInt64(), received[^1]);
            Assert.True(received[^1] > 0);
            Assert.All(sent.Take(sent.Count - 1).Concat(received.Take(received.Count - 1)), v => Assert.Equal(0, v));
        }
        Assert.Equal(2, series["11"].GetProperty("sessionsCompleted").EnumerateArray().Last().GetInt32());
        Assert.Equal(1, series["12"].GetProperty("sessionsCompleted").EnumerateArray().Last().GetInt32());
        Assert.Equal(3, traffic.GetProperty("sessions").GetProperty("completed").EnumerateArray().Last().GetInt32());
        Assert.Equal(0, traffic.GetProperty("sessions").GetProperty("failed").EnumerateArray().Sum(e => e.GetInt32()));
    }

    [Fact]
    public async Task A_clinic_credential_under_OwnOnly_sees_only_its_own_traffic()
    {
        await using var d = await HubDeployment.StartAsync(policy: AccessPolicy.OwnOnly);
        await d.SubmitAndSyncAsync(HubDeployment.ClinicA, "a-1");
        await d.SubmitAndSyncAsync(HubDeployment.ClinicB, "b-1");
        await d.Server.StopAsync(CancellationToken.None);
        using var clinic = d.Client(HubDeployment.ClinicAToken);
        var traffic = JsonDocument.Parse(await clinic.GetStringAsync("/api/traffic")).RootElement;
        Assert.Equal("11", Assert.Single(traffic.GetProperty("peers").EnumerateArray()).GetProperty("node").GetString());
        Assert.Equal(1, traffic.GetProperty("sessions").GetProperty("completed").EnumerateArray().Sum(e => e.GetInt32()));
        using var anonymous = d.Client(token: null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/traffic")).StatusCode);
    }

    [Fact]
    public void History_moves_with_the_clock_and_stays_within_its_windows()
    {
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 3, 1, 22, 30, 0, TimeSpan.Zero));
        var traffic = new HubTraffic(time);
        var peer = new NodeId(7);
        var status = new PeerStatus(peer, 0, 0, null, null, null, 0, 0, 0, 0);
        PeerStatus Session(PeerStatus s, long sent, long received, bool failed) => s with
        {
            Sessions = s.Sessions + 1, Failures = s.Failures + (failed ? 1 : 0), BytesSent = s.BytesSent + sent, BytesReceived = s.BytesReceived + received,
        };

        traffic.Record(status = Session(status, 100, 1000, failed: false));
        traffic.Record(status = Session(status, 50, 0, failed: true));
        time.Advance(TimeSpan.FromHours(2)); // the next UTC day, two hours on
        traffic.Record(status = Session(status, 7, 70, failed: false));

        Assert.Equal((7L, 70L), traffic.Today(peer));
        var days = traffic.DayWindow();
        var hours = traffic.HourWindow();
        var s = Assert.Single(traffic.Series(days, hours, _ => true));
        Assert.Equal(new DateOnly(2026, 3, 2), days[^1]);
        Assert.Equal([150L, 7L], s.SentPerDay[^2..]);
        Assert.Equal([1000L, 70L], s.ReceivedPerDay[^2..]);
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero), hours[^1]);
        Assert.Equal([1, 0, 1], s.CompletedPerHour[^3..]);
        Assert.Equal([1, 0, 0], s.FailedPerHour[^3..]);

        // Past the windows, nothing of it is kept or shown.
        time.Advance(TimeSpan.FromDays(HubTraffic.Days));
        traffic.Record(status = Session(status, 1, 1, failed: false));
        s = Assert.Single(traffic.Series(traffic.DayWindow(), traffic.HourWindow(), _ => true));
        Assert.Equal(1L, s.SentPerDay.Sum());
        Assert.Equal(1, s.CompletedPerHour.Sum() + s.FailedPerHour.Sum());
        Assert.Empty(traffic.Series(days, hours, p => p != peer));
    }
}

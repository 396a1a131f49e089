using System.Net;
using System.Text;
using ZamSync.AspNetCore.Tests.Support;

namespace ZamSync.AspNetCore.Tests;

public sealed class MetricsTests
{
    [Fact]
    public async Task Metrics_are_served_for_Prometheus_with_the_engines_instruments()
    {
        await using var d = await ApiDeployment.StartAsync(eventsPerClinic: 1);
        await d.Hub.SubmitAsync(1, Encoding.UTF8.GetBytes("counted"));
        using var client = d.Coordinator();
        using var response = await client.GetAsync("/metrics");
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("zamsync_events_submitted_total", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_and_peers_describe_the_hub_to_a_coordinator()
    {
        await using var d = await ApiDeployment.StartAsync(eventsPerClinic: 3);
        using var client = d.Coordinator();
        var status = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync("/api/status")).RootElement;
        Assert.Equal(6, status.GetProperty("events").GetInt64());
        Assert.Equal("coordinator", status.GetProperty("caller").GetProperty("role").GetString());
        var peers = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync("/api/peers")).RootElement.GetProperty("peers");
        Assert.Equal(2, peers.GetArrayLength());
        var quarantine = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync("/api/quarantine")).RootElement;
        Assert.Equal(0, quarantine.GetProperty("total").GetInt32());
    }
}

using System.Globalization;
using System.Text.Json.Nodes;
using ZamSync.AspNetCore.Authentication;

namespace ZamSync.AspNetCore.Status;

/// <summary>
/// <c>GET /api/traffic</c>: each peer's bytes per UTC day against the link budget, and sessions per hour by outcome,
/// for the dashboard's charts (and any monitor). Under OwnOnly a clinic's credential sees only its own series.
/// </summary>
internal static class TrafficEndpoints
{
    public static IResult Traffic(HttpContext http, ZamSyncApiOptions options, HubTraffic traffic)
    {
        var caller = ZamSyncApiContext.Credential(http);
        var days = traffic.DayWindow();
        var hours = traffic.HourWindow();
        var series = traffic.Series(days, hours, peer => caller.ReadsAll(options.AccessPolicy) || peer == caller.Node);
        var peers = new JsonArray();
        foreach (var s in series)
            peers.Add(new JsonObject
            {
                ["node"] = s.Peer.ToString(),
                ["bytesSent"] = Array(s.SentPerDay),
                ["bytesReceived"] = Array(s.ReceivedPerDay),
                ["sessionsCompleted"] = Array(s.CompletedPerHour),
                ["sessionsFailed"] = Array(s.FailedPerHour),
            });
        var body = new JsonObject
        {
            ["since"] = traffic.Since.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
            ["budgetBytesPerDay"] = options.LinkBudgetBytesPerDay,
            ["days"] = new JsonArray([.. days.Select(d => (JsonNode?)d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))]),
            ["hours"] = new JsonArray([.. hours.Select(h => (JsonNode?)h.ToString("yyyy-MM-dd'T'HH':00:00Z'", CultureInfo.InvariantCulture))]),
            ["peers"] = peers,
            ["sessions"] = new JsonObject
            {
                ["completed"] = Array(Sum(series.Select(s => s.CompletedPerHour), hours.Count)),
                ["failed"] = Array(Sum(series.Select(s => s.FailedPerHour), hours.Count)),
            },
        };
        return Results.Text(body.ToJsonString(), "application/json");
    }

    private static int[] Sum(IEnumerable<int[]> rows, int length)
    {
        var total = new int[length];
        foreach (var row in rows)
            for (int i = 0; i < length; i++) total[i] += row[i];
        return total;
    }

    private static JsonArray Array(long[] values) => new([.. values.Select(v => (JsonNode?)v)]);

    private static JsonArray Array(int[] values) => new([.. values.Select(v => (JsonNode?)v)]);
}

using System.Globalization;
using System.Text.Json.Nodes;
using ZamSync.Net.Hub;

namespace ZamSync.Hosting.Control.Operations;

/// <summary>
/// The <c>hub</c> section of a serving hub's status: every peer's sessions, failures, last success and last error, and
/// the bytes it moved since the hub started; connections refused before a session.
/// </summary>
public sealed class HubStatusSection(ZamHub hub) : IControlStatusSection
{
    public string Name => "hub";

    public JsonNode? Describe()
    {
        var peers = new JsonArray();
        foreach (var p in hub.Peers.Values.OrderBy(p => p.Peer))
        {
            peers.Add((JsonNode)new JsonObject
            {
                ["node"] = p.Peer.ToString(),
                ["sessions"] = p.Sessions,
                ["failures"] = p.Failures,
                ["lastSuccess"] = Time(p.LastSuccess),
                ["lastFailure"] = Time(p.LastFailure),
                ["lastError"] = p.LastError,
                ["bytesSent"] = p.BytesSent,
                ["bytesReceived"] = p.BytesReceived,
                ["eventsSent"] = p.EventsSent,
                ["eventsReceived"] = p.EventsReceived,
            });
        }
        return new JsonObject
        {
            ["activeSessions"] = hub.ActiveSessions,
            ["rejectedConnections"] = hub.RejectedConnections,
            ["peers"] = peers,
        };
    }

    /// <summary>ISO 8601 in UTC, the one date format a script parses without asking about culture.</summary>
    internal static string? Time(DateTimeOffset? time) => time?.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
}

using System.CommandLine;

namespace Clinic.Commands;

/// <summary>Options several commands share.</summary>
internal static class Common
{
    public static Option<string> Dir(string description = "The node's directory") =>
        new("--dir", "-d") { Description = description, Required = true };

    public static Option<string> Hub() =>
        new("--hub") { Description = "The hub's address: host:port, or wss://host:port/sync for its WebSocket endpoint (clinics behind HTTP-only proxies)", Required = true };

    public static Option<ulong> HubId() => Values.NodeId("--hub-id", "The hub's node id (its certificate must say so)");

    public static Option<long?> MaxBytes() =>
        new("--max-bytes") { Description = "Byte budget per session, each way (for metered links): 200000, 200k, 2MB", CustomParser = Quantities.ParseBytesOption };
}

using System.Globalization;
using System.Net;

namespace ZamSync.Net.Tcp;

/// <summary>Parses the <c>"host:port"</c> strings operators write in configuration.</summary>
internal static class Endpoints
{
    public static IPEndPoint ParseListen(string endpoint)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpoint);
        if (IPEndPoint.TryParse(endpoint, out var parsed)) return parsed;
        var (host, port) = ParseConnect(endpoint);
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return new IPEndPoint(IPAddress.Loopback, port);
        if (host is "*" or "0.0.0.0") return new IPEndPoint(IPAddress.Any, port);
        throw new FormatException($"'{endpoint}' is not an address to listen on: use an IP address and port such as 0.0.0.0:7000.");
    }

    public static (string Host, int Port) ParseConnect(string hostAndPort)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostAndPort);
        int colon = hostAndPort.LastIndexOf(':');
        if (colon <= 0 || colon == hostAndPort.Length - 1 ||
            !int.TryParse(hostAndPort.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
            throw new FormatException($"'{hostAndPort}' is not a host and port: write it as host:port, for example hub.example:7000.");
        string host = hostAndPort[..colon].Trim('[', ']');
        return (host, port);
    }
}

using System.Net;

namespace Clinic.Web;

/// <summary>
/// Where <c>serve</c> answers HTTP: <c>--http HOST:PORT</c> is plain HTTP and only on a loopback address (a bearer token
/// or the dashboard's cookie would cross any other network in clear), <c>--https HOST:PORT</c> is TLS with the hub's
/// certificate and may listen anywhere.
/// </summary>
internal sealed record WebEndpoint(IPEndPoint EndPoint, bool Tls)
{
    /// <summary>Parses <paramref name="text"/> for <paramref name="option"/>; a mistake is a usage error naming both.</summary>
    public static WebEndpoint Parse(string option, string text, bool tls)
    {
        string value = text.Trim();
        if (value.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase)) value = "127.0.0.1" + value["localhost".Length..];
        if (!IPEndPoint.TryParse(value, out var endPoint) || value.LastIndexOf(':') < 0 || value.EndsWith(']'))
            throw new Node.UsageMistake($"{option}: expected an IP address and port such as 127.0.0.1:8080, got '{text}'.");
        if (!tls && !IPAddress.IsLoopback(endPoint.Address))
            throw new Node.UsageMistake($"{option} {text}: plain HTTP is served on loopback only (127.0.0.1 or [::1]); use --https {text} to serve other machines over TLS.");
        return new WebEndpoint(endPoint, tls);
    }
}

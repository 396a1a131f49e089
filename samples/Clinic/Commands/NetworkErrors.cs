using System.Net.Sockets;
using ZamSync;
using ZamSync.Sync;

namespace Clinic.Commands;

/// <summary>
/// Socket and session failures in an operator's words, always naming the address involved: the runtime's
/// "Connection refused" alone does not say which of the addresses in a script was wrong.
/// </summary>
internal static class NetworkErrors
{
    /// <summary>Why a sync with <paramref name="hub"/> at <paramref name="address"/> failed, for a node in <paramref name="directory"/>.</summary>
    public static string DescribeSync(Exception ex, NodeId hub, string address, string directory)
    {
        string where = $"hub {hub} at {address}";
        return ex switch
        {
            SocketException socket => $"cannot reach {where}: {Describe(socket, address)}",
            SyncRefusedException { Reason: RefuseReason.CertificateRefused } refused => $"{where}: {refused.Message.TrimEnd('.')}{CertificateHint(refused.Message, directory)}",
            // With TLS 1.3 a client learns that the hub refused its certificate only when the connection closes.
            SyncDisconnectedException closed when closed.Message.Contains("handshake", StringComparison.Ordinal) =>
                $"{where}: {closed.Message.TrimEnd('.')} (if it happens every time, the hub refuses this node's certificate: the hub's log says why)",
            IOException io when io.InnerException is SocketException socket => $"sync with {where} broke off: {Describe(socket, address)}",
            FormatException => ex.Message,
            _ => $"sync with {where}: {ex.Message}",
        };
    }

    private static string CertificateHint(string refusal, string directory) =>
        refusal.Contains("deployment CA", StringComparison.Ordinal)
            ? $". This node trusts only the CA in {Path.Combine(directory, "tls", "ca.crt")}: its certificate and CA must come from this hub (`request`, then `sign` on the hub, then `install`)"
            : refusal.Contains("expected hub", StringComparison.Ordinal) ? " (check --hub-id)" : "";

    /// <summary>Why the hub cannot listen on <paramref name="address"/>.</summary>
    public static string DescribeListen(SocketException ex, string address) => ex.SocketErrorCode switch
    {
        SocketError.AddressAlreadyInUse => $"cannot listen on {address}: the address is already in use (another hub, or another program, is on that port)",
        SocketError.AddressNotAvailable => $"cannot listen on {address}: that IP address is not one of this machine's",
        SocketError.AccessDenied => $"cannot listen on {address}: permission denied (ports below 1024 need privileges)",
        _ => $"cannot listen on {address}: {ex.Message}",
    };

    private static string Describe(SocketException ex, string address) => ex.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "connection refused (nothing listens on that port: is `serve` running there?)",
        SocketError.HostNotFound or SocketError.NoData => $"no such host '{HostOf(address)}' (check the name, or use an IP address)",
        SocketError.TryAgain => $"the name '{HostOf(address)}' could not be looked up now (no DNS server reachable?)",
        SocketError.NetworkUnreachable or SocketError.HostUnreachable => "no route to that address (is this machine's link up?)",
        SocketError.TimedOut => "the connection timed out",
        SocketError.ConnectionReset or SocketError.ConnectionAborted => "the connection was cut",
        _ => ex.Message,
    };

    private static string HostOf(string address)
    {
        int colon = address.LastIndexOf(':');
        return colon > 0 ? address[..colon].Trim('[', ']') : address;
    }
}

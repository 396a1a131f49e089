using System.Net.Sockets;

namespace ZamSync.Hosting.Replication;

/// <summary>Which failures a retry may cure (docs/protocol.md, "Errors").</summary>
internal static class SyncFailures
{
    /// <summary>
    /// A cut or unreachable link and a deadline are the normal weather of a 2G link: retry with backoff. A refusal, a
    /// protocol violation, a budget too small for the handshake or a bug would fail the same way again.
    /// </summary>
    public static bool IsTransient(Exception ex) => ex switch
    {
        SyncException sync => sync.IsTransient,
        SocketException or IOException or TimeoutException => true,
        _ => false,
    };
}

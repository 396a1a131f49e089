using System.Text;

namespace ZamSync.Hosting.Control;

/// <summary>Where a node's control endpoint lives, for the server and for clients that find it from the data directory.</summary>
public static class ControlEndpoint
{
    /// <summary>The folder (mode 0700) that holds the socket inside a data directory.</summary>
    public const string FolderName = "control";

    /// <summary>The socket's file name inside <see cref="FolderName"/>.</summary>
    public const string SocketFileName = "node.sock";

    // sockaddr_un.sun_path is 108 bytes on Linux (104 on macOS), NUL included.
    private const int MaxSocketPathBytes = 103;

    /// <summary>The socket a node serving <paramref name="dataDirectory"/> listens on.</summary>
    public static string DefaultSocketPath(string dataDirectory) =>
        Path.Combine(Path.GetFullPath(dataDirectory), FolderName, SocketFileName);

    /// <summary>Refuses a path the kernel could not bind, naming it, instead of failing with an obscure socket error.</summary>
    internal static void CheckLength(string socketPath)
    {
        if (Encoding.UTF8.GetByteCount(socketPath) > MaxSocketPathBytes)
            throw new ControlException(
                $"The control socket path '{socketPath}' is longer than the {MaxSocketPathBytes} bytes a Unix socket allows; " +
                "use a shorter data directory or set the control endpoint's SocketPath.");
    }
}

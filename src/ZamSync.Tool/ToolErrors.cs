using System.Security.Cryptography;

namespace ZamSync.Tool;

/// <summary>A usage mistake found after parsing (options that exclude each other): exit code 2, nothing is read or written.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>The command cannot do what was asked, for a reason the operator can act on: one line, exit code 1.</summary>
internal sealed class ToolFailure(string message) : Exception(message);

/// <summary>What an operator reads when a command fails: the exception's own message when it was written for them.</summary>
internal static class ErrorText
{
    public static string Describe(Exception ex) => ex switch
    {
        DataDirectoryLockedException locked =>
            $"'{locked.Directory}' is in use by a running node (it holds zamsync.lock): stop the node first; zamsync reads only a stopped node's directory and never one behind a running node's back.",
        ToolFailure or ZamException or IOException or UnauthorizedAccessException or FormatException => ex.Message,
        System.Net.Sockets.SocketException socket => socket.Message,
        CryptographicException => $"a certificate or key could not be used: {ex.Message}",
        // A bug or a case nobody foresaw: still one line, with enough to report it.
        _ => $"unexpected {ex.GetType().Name}: {ex.Message}",
    };
}

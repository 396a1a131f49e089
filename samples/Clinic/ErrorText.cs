using System.Security.Cryptography;
using Clinic.Node;
using ZamSync;

namespace Clinic;

/// <summary>What an operator reads when a command fails: the exception's own message when it was written for them.</summary>
internal static class ErrorText
{
    public static string Describe(Exception ex) => ex switch
    {
        UserError or ZamException or IOException or FormatException or UnauthorizedAccessException => ex.Message,
        System.Net.Sockets.SocketException socket => socket.Message,
        CryptographicException => $"a certificate or key could not be used: {ex.Message}",
        // A bug or a case nobody foresaw: still one line, with enough to report it.
        _ => $"unexpected {ex.GetType().Name}: {ex.Message}",
    };
}

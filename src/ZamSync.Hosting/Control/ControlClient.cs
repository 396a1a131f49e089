using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace ZamSync.Hosting.Control;

/// <summary>
/// Talks to a running node's control endpoint. <see cref="ConnectAsync"/> answers null when no node is serving
/// (no socket, or a socket left behind by a node that died): the caller may then open the directory itself.
/// </summary>
public sealed class ControlClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly ControlWire _wire;

    private ControlClient(Socket socket, string socketPath)
    {
        _socket = socket;
        SocketPath = socketPath;
        _wire = new ControlWire(socket, MaxAnswerBytes);
    }

    /// <summary>The largest answer read (a status of a hub with thousands of peers fits easily). 16 MiB.</summary>
    public const int MaxAnswerBytes = 16 * 1024 * 1024;

    public string SocketPath { get; }

    /// <summary>Connects to the node serving <paramref name="dataDirectory"/>, or returns null when none is running.</summary>
    public static Task<ControlClient?> ConnectToDirectoryAsync(string dataDirectory, CancellationToken cancellationToken = default) =>
        ConnectAsync(ControlEndpoint.DefaultSocketPath(dataDirectory), cancellationToken);

    /// <summary>Connects to <paramref name="socketPath"/>, or returns null when nothing listens there.</summary>
    /// <exception cref="ControlException">The socket exists but this user may not use it, or the path is too long.</exception>
    public static async Task<ControlClient?> ConnectAsync(string socketPath, CancellationToken cancellationToken = default)
    {
        socketPath = Path.GetFullPath(socketPath);
        ControlEndpoint.CheckLength(socketPath);
        if (!File.Exists(socketPath)) return null;
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
            return new ControlClient(socket, socketPath);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionRefused or SocketError.AddressNotAvailable)
        {
            socket.Dispose();
            return null; // a stale socket: its node is gone
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.TryAgain or SocketError.WouldBlock)
        {
            socket.Dispose();
            throw new ControlException($"The node at '{socketPath}' is busy (its control backlog is full); try again.", ex);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AccessDenied)
        {
            socket.Dispose();
            throw new ControlException($"'{socketPath}': permission denied; run this as the user that runs the node.", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="operation"/> on the node and returns its result.</summary>
    /// <exception cref="ControlException">The node refused or failed the request (its message), or the connection broke.</exception>
    public async Task<JsonNode?> InvokeAsync(string operation, JsonObject? arguments = null, CancellationToken cancellationToken = default)
    {
        var request = new JsonObject { ["op"] = operation };
        if (arguments is not null) request["args"] = arguments;
        JsonObject? answer;
        try
        {
            await _wire.WriteAsync(request, cancellationToken).ConfigureAwait(false);
            answer = await _wire.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            throw new ControlException($"The node at '{SocketPath}' closed the control connection: {ex.Message}", ex);
        }
        if (answer is null) throw new ControlException($"The node at '{SocketPath}' closed the control connection without answering.");
        if (answer["ok"] is JsonValue ok && ok.TryGetValue(out bool success) && success) return answer["result"];
        string error = answer["error"] is JsonValue e && e.TryGetValue(out string? text) ? text : "the node answered with an error";
        string? code = answer["code"] is JsonValue c && c.TryGetValue(out string? kind) ? kind : null;
        throw new ControlException(error, code);
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}

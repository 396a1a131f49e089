using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ZamSync.Hosting.Control;

/// <summary>
/// Serves a running node's control operations on a Unix domain socket, so the command-line tool can submit, read
/// status and trigger a sync while the node owns its data directory. Only the node's own user can connect: the socket
/// sits in a folder of mode 0700 and is itself 0600. Start it only from the process that holds the engine (the
/// directory's lock is what makes replacing a stale socket file safe).
/// </summary>
public sealed partial class ControlServer : IAsyncDisposable
{
    private readonly IReadOnlyDictionary<string, IControlOperation> _operations;
    private readonly ControlEndpointOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly HashSet<Task> _running = [];
    private Socket? _listener;
    private Task _acceptLoop = Task.CompletedTask;

    public ControlServer(string socketPath, IEnumerable<IControlOperation> operations, ControlEndpointOptions? options = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        ArgumentNullException.ThrowIfNull(operations);
        _options = options ?? new ControlEndpointOptions();
        _options.Validate();
        SocketPath = Path.GetFullPath(socketPath);
        _operations = operations.ToDictionary(o => o.Name, StringComparer.Ordinal);
        _logger = logger ?? NullLogger.Instance;
        _slots = new SemaphoreSlim(_options.MaxConcurrentRequests);
    }

    /// <summary>The socket this server listens on.</summary>
    public string SocketPath { get; }

    /// <summary>Creates the socket (replacing a stale one) and starts answering requests.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_listener is not null) throw new InvalidOperationException("The control server is already started.");
        ControlEndpoint.CheckLength(SocketPath);
        string folder = Path.GetDirectoryName(SocketPath)!;
        CreateOwnerOnlyFolder(folder);
        if (File.Exists(SocketPath))
        {
            // Left by a node that did not stop cleanly (kill -9, power loss). A live one would answer.
            if (await ControlClient.ConnectAsync(SocketPath, cancellationToken).ConfigureAwait(false) is { } live)
            {
                await live.DisposeAsync().ConfigureAwait(false);
                throw new ControlException($"Another process already serves the control socket '{SocketPath}'.");
            }
            File.Delete(SocketPath);
        }
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(SocketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            listener.Listen(_options.MaxConnections);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        _listener = listener;
        _acceptLoop = AcceptLoopAsync(listener);
        LogListening(_logger, SocketPath);
    }

    /// <summary>Stops accepting, lets requests in flight finish (or cancels them with <paramref name="cancellationToken"/>), and removes the socket.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_listener is not { } listener) return;
        _listener = null;
        listener.Dispose(); // ends the pending accept
        using (cancellationToken.Register(_stopping.Cancel))
        {
            await _acceptLoop.ConfigureAwait(false);
            Task[] running;
            lock (_gate) running = [.. _running];
            await Task.WhenAll(running).ConfigureAwait(false); // ServeAsync swallows its own cancellation
        }
        try
        {
            File.Delete(SocketPath);
        }
        catch (IOException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _slots.Dispose();
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return; // stopped
            }
            // A Unix socket's connect fails at once (EAGAIN) when the backlog is full, so accept eagerly and queue
            // here instead; beyond the connection bound a client is told the node is busy.
            Task task;
            lock (_gate)
            {
                task = _running.Count >= _options.MaxConnections ? RefuseBusyAsync(client) : ServeAsync(client);
                _running.Add(task);
            }
            _ = task.ContinueWith(t =>
            {
                lock (_gate) _running.Remove(t);
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task RefuseBusyAsync(Socket client)
    {
        using var _ = client;
        var wire = new ControlWire(client, _options.MaxRequestBytes);
        try
        {
            // Take the request before answering: closing a socket with unread bytes resets the connection, and the
            // client would see "connection reset" instead of the reason.
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            deadline.CancelAfter(_options.RequestTimeout);
            await wire.ReadAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ControlException or OperationCanceledException or SocketException or IOException)
        {
        }
        await TryWriteAsync(wire, Failure($"The node is busy: {_options.MaxConnections} control connections are open.")).ConfigureAwait(false);
    }

    private async Task ServeAsync(Socket client)
    {
        using var _ = client;
        var wire = new ControlWire(client, _options.MaxRequestBytes);
        try
        {
            while (true)
            {
                JsonObject? request;
                using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token))
                {
                    deadline.CancelAfter(_options.RequestTimeout);
                    request = await wire.ReadAsync(deadline.Token).ConfigureAwait(false);
                }
                if (request is null) return;
                JsonObject answer;
                await _slots.WaitAsync(_stopping.Token).ConfigureAwait(false);
                try
                {
                    answer = await AnswerAsync(request).ConfigureAwait(false);
                }
                finally
                {
                    _slots.Release();
                }
                await wire.WriteAsync(answer, _stopping.Token).ConfigureAwait(false);
            }
        }
        catch (ControlException ex)
        {
            // A malformed or oversized request: say why, then hang up (the stream's framing can't be trusted).
            await TryWriteAsync(wire, Failure(ex.Message)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or IOException)
        {
            // The client went away, took too long, or the node is stopping.
        }
    }

    private async Task<JsonObject> AnswerAsync(JsonObject request)
    {
        string? op = request["op"] is JsonValue v && v.TryGetValue(out string? name) ? name : null;
        if (op is null) return Failure("A control request needs an \"op\".");
        if (!_operations.TryGetValue(op, out var operation))
            return Failure($"Unknown control operation '{op}'; this node serves: {string.Join(", ", _operations.Keys.Order(StringComparer.Ordinal))}.", ControlException.UnknownOperation);
        using var args = JsonDocument.Parse(request["args"]?.ToJsonString() ?? "{}");
        try
        {
            var result = await operation.InvokeAsync(args.RootElement, _stopping.Token).ConfigureAwait(false);
            return new JsonObject { ["ok"] = true, ["result"] = result };
        }
        catch (ControlException ex)
        {
            return Failure(ex.Message);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            return Failure("The node is stopping.");
        }
        catch (Exception ex) when (ex is ZamException or ArgumentException or IOException or InvalidOperationException)
        {
            // The engine's own errors are written for people (a validator refusal, a full disk): pass them on.
            LogFailed(_logger, op, ex);
            return Failure(ex.Message);
        }
    }

    private static void CreateOwnerOnlyFolder(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            // Windows has no modes; the folder inherits the data directory's ACL (the node's user's profile by default).
            Directory.CreateDirectory(folder);
            return;
        }
        const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Directory.CreateDirectory(folder, OwnerOnly);
        File.SetUnixFileMode(folder, OwnerOnly); // an existing folder keeps its mode otherwise
    }

    private static JsonObject Failure(string message, string? code = null)
    {
        var failure = new JsonObject { ["ok"] = false, ["error"] = message };
        if (code is not null) failure["code"] = code;
        return failure;
    }

    private static async Task TryWriteAsync(ControlWire wire, JsonObject message)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await wire.WriteAsync(message, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or IOException)
        {
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Control endpoint listening on {SocketPath}")]
    private static partial void LogListening(ILogger logger, string socketPath);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Control operation {Operation} failed")]
    private static partial void LogFailed(ILogger logger, string operation, Exception exception);
}

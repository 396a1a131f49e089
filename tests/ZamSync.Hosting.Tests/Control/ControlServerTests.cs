using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using ZamSync.Hosting.Control;
using ZamSync.Hosting.Control.Operations;
using ZamSync.Tests.Support;

namespace ZamSync.Hosting.Tests.Control;

public sealed class ControlServerTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new("control");
    private ZamEngine<LedgerState> _engine = null!;
    private ControlServer _server = null!;

    private string SocketPath => ControlEndpoint.DefaultSocketPath(_dir.Path);

    public async Task InitializeAsync()
    {
        _engine = await Nodes.OpenAsync(_dir.Path, 7);
        _server = new ControlServer(SocketPath, [new StatusOperation(_engine, []), new SubmitOperation(_engine)]);
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _engine.DisposeAsync();
        _dir.Dispose();
    }

    private static JsonObject SubmitArgs(string text) =>
        new() { ["type"] = 1, ["payload"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(text)) };

    [Fact]
    public async Task Status_over_the_socket_reports_what_the_running_engine_holds()
    {
        await Nodes.SubmitManyAsync(_engine, 3);
        await using var client = await ControlClient.ConnectToDirectoryAsync(_dir.Path);
        Assert.NotNull(client);
        var status = (await client.InvokeAsync("status"))!.AsObject();
        Assert.Equal("7", (string?)status["node"]);
        Assert.Equal(3, (long)status["events"]!);
        Assert.Equal(3UL, (ulong)status["known"]!["7"]!);
    }

    [Fact]
    public async Task A_hundred_submits_from_twenty_concurrent_clients_are_all_durable_with_contiguous_sequences()
    {
        var clients = Enumerable.Range(0, 20).Select(async c =>
        {
            await using var client = (await ControlClient.ConnectToDirectoryAsync(_dir.Path))!;
            var answers = new List<JsonNode>();
            for (int i = 0; i < 5; i++) answers.Add((await client.InvokeAsync("submit", SubmitArgs($"visit-{c}-{i}")))!);
            return answers;
        }).ToArray();
        var answers = (await Task.WhenAll(clients)).SelectMany(a => a);
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (ulong)i), answers.Select(a => (ulong)a["sequence"]!).Order());
        Assert.Equal(100, _engine.Read(s => s.Count));
        Assert.Equal(100UL, _engine.Known[new NodeId(7)]);
    }

    [Fact]
    public async Task Connections_beyond_the_bound_are_told_the_node_is_busy()
    {
        await _server.StopAsync();
        _server = new ControlServer(SocketPath, [new StatusOperation(_engine, [])], new ControlEndpointOptions { MaxConnections = 2, MaxConcurrentRequests = 1 });
        await _server.StartAsync();
        await using var first = (await ControlClient.ConnectToDirectoryAsync(_dir.Path))!;
        await using var second = (await ControlClient.ConnectToDirectoryAsync(_dir.Path))!;
        Assert.NotNull(await first.InvokeAsync("status")); // both are being served
        Assert.NotNull(await second.InvokeAsync("status"));
        await using var third = (await ControlClient.ConnectToDirectoryAsync(_dir.Path))!;
        var busy = await Assert.ThrowsAsync<ControlException>(() => third.InvokeAsync("status"));
        Assert.Contains("busy", busy.Message);
    }

    [Fact]
    public async Task One_connection_carries_several_requests()
    {
        await using var client = (await ControlClient.ConnectToDirectoryAsync(_dir.Path))!;
        await client.InvokeAsync("submit", SubmitArgs("a"));
        await client.InvokeAsync("submit", SubmitArgs("b"));
        Assert.Equal(2, (long)(await client.InvokeAsync("status"))!["events"]!);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Only_the_owner_can_reach_the_socket()
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(SocketPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(SocketPath)!));
    }

    [Fact]
    public async Task An_unknown_operation_is_refused_naming_it_and_what_is_served()
    {
        await using var client = (await ControlClient.ConnectToDirectoryAsync(_dir.Path))!;
        var error = await Assert.ThrowsAsync<ControlException>(() => client.InvokeAsync("launch"));
        Assert.Equal(ControlException.UnknownOperation, error.Code);
        Assert.Contains("'launch'", error.Message);
        Assert.Contains("status, submit", error.Message);
    }

    [Fact]
    public async Task A_bad_submit_is_refused_with_what_it_lacks_and_stores_nothing()
    {
        await using var client = (await ControlClient.ConnectToDirectoryAsync(_dir.Path))!;
        var noType = await Assert.ThrowsAsync<ControlException>(() => client.InvokeAsync("submit", new JsonObject { ["payload"] = "AA==" }));
        Assert.Contains("\"type\"", noType.Message);
        var badPayload = await Assert.ThrowsAsync<ControlException>(() => client.InvokeAsync("submit", new JsonObject { ["type"] = 1, ["payload"] = "not base64!" }));
        Assert.Contains("\"payload\"", badPayload.Message);
        Assert.Empty(_engine.Known);
    }

    private sealed class RefuseText(string refused) : IEventValidator
    {
        public string? Validate(in EventEnvelope envelope) =>
            Encoding.UTF8.GetString(envelope.Payload.Span) == refused ? $"'{refused}' is not a patient of this clinic" : null;
    }

    [Fact]
    public async Task A_submit_the_validator_refuses_reaches_the_client_as_one_line_with_the_reason_and_stores_nothing()
    {
        string dir = _dir.Sub("validated");
        await using var engine = await Nodes.OpenAsync(dir, 8, new ZamEngineOptions { Validator = new RefuseText("p-404") });
        await using var server = new ControlServer(ControlEndpoint.DefaultSocketPath(dir), [new SubmitOperation(engine)]);
        await server.StartAsync();
        await using var client = (await ControlClient.ConnectToDirectoryAsync(dir))!;

        var refused = await Assert.ThrowsAsync<ControlException>(() => client.InvokeAsync("submit", SubmitArgs("p-404")));
        Assert.Contains("'p-404' is not a patient of this clinic", refused.Message);
        Assert.DoesNotContain('\n', refused.Message);
        Assert.Empty(engine.Known);
        // The connection and the node go on serving.
        Assert.Equal(1UL, (ulong)(await client.InvokeAsync("submit", SubmitArgs("p-1")))!["sequence"]!);
    }

    [Fact]
    public async Task Garbage_and_oversized_requests_get_an_error_and_the_server_keeps_serving()
    {
        using (var garbage = await RawConnectAsync())
        {
            await garbage.SendAsync("this is not json\n"u8.ToArray(), SocketFlags.None);
            Assert.Contains("not valid JSON", await ReadAnswerAsync(garbage));
        }
        // One byte past a small limit, with no newline: the server stops reading there and answers, it does not
        // buffer on. (The whole line fits in the socket's buffer, so the server reads all of it and closes cleanly.)
        await _server.StopAsync();
        var options = new ControlEndpointOptions { MaxRequestBytes = 1024 };
        _server = new ControlServer(SocketPath, [new StatusOperation(_engine, [])], options);
        await _server.StartAsync();
        using (var huge = await RawConnectAsync())
        {
            var line = new byte[options.MaxRequestBytes + 1];
            Array.Fill(line, (byte)'x');
            await huge.SendAsync(line, SocketFlags.None);
            Assert.Contains("1024-byte limit", await ReadAnswerAsync(huge));
        }
        await using var client = (await ControlClient.ConnectToDirectoryAsync(_dir.Path))!;
        Assert.NotNull(await client.InvokeAsync("status"));
    }

    [Fact]
    public async Task A_second_server_on_a_live_socket_is_refused()
    {
        await using var second = new ControlServer(SocketPath, []);
        var error = await Assert.ThrowsAsync<ControlException>(() => second.StartAsync());
        Assert.Contains(SocketPath, error.Message);
    }

    [Fact]
    public async Task After_a_stop_there_is_no_endpoint_and_a_stale_socket_is_replaced()
    {
        await _server.StopAsync();
        Assert.False(File.Exists(SocketPath));
        Assert.Null(await ControlClient.ConnectToDirectoryAsync(_dir.Path));

        // A node killed with -9 leaves its socket file behind with nobody listening (a bound, never-listening socket
        // is the same to a client): clients treat it as no node, and a new server replaces it.
        using var dead = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        dead.Bind(new UnixDomainSocketEndPoint(SocketPath));
        Assert.True(File.Exists(SocketPath));
        Assert.Null(await ControlClient.ConnectToDirectoryAsync(_dir.Path));
        _server = new ControlServer(SocketPath, [new StatusOperation(_engine, [])]);
        await _server.StartAsync();
        await using var client = (await ControlClient.ConnectToDirectoryAsync(_dir.Path))!;
        Assert.NotNull(await client.InvokeAsync("status"));
    }

    [Fact]
    public void A_socket_path_too_long_for_the_kernel_is_named()
    {
        string deep = Path.Combine(_dir.Path, new string('d', 120));
        var error = Assert.Throws<ControlException>(() => ControlEndpoint.CheckLength(ControlEndpoint.DefaultSocketPath(deep)));
        Assert.Contains(deep, error.Message);
    }

    private async Task<Socket> RawConnectAsync()
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath));
        return socket;
    }

    private static async Task<string> ReadAnswerAsync(Socket socket)
    {
        var buffer = new byte[4096];
        var text = new StringBuilder();
        while (!text.ToString().Contains('\n'))
        {
            int read = await socket.ReceiveAsync(buffer, SocketFlags.None);
            if (read == 0) break;
            text.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }
        return text.ToString();
    }
}

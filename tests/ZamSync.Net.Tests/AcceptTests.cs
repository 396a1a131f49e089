using System.Buffers.Binary;
using System.Net.Sockets;
using ZamSync.Net.Tcp;
using ZamSync.Tests.Support;

namespace ZamSync.Net.Tests;

public class AcceptTests
{
    [Fact]
    public async Task A_silent_client_does_not_stall_other_accepts_and_is_dropped_at_its_deadline()
    {
        using var dir = new TempDirectory();
        await using var hub = await ZamEngine<CounterState>.OpenAsync(dir.Sub("hub"), new NodeId(1), new CounterState());
        await using var clinic = await ZamEngine<CounterState>.OpenAsync(dir.Sub("clinic"), new NodeId(2), new CounterState());
        await using var listener = TcpTransport.Bind("127.0.0.1:0", new TcpTransportOptions { FirstMessageTimeout = TimeSpan.FromMilliseconds(500) });

        using var silent = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await silent.ConnectAsync(listener.LocalEndPoint);

        var serving = Task.Run(async () =>
        {
            await using var peer = await listener.AcceptSplitAsync();
            Assert.Equal(new NodeId(2), peer.PeerId);
            return await hub.CreateSession(peer).ServeOneAsync(peer.PeerId);
        });
        await using (var link = await TcpTransport.ConnectAsync(hub.NodeId, listener.LocalEndPoint.ToString()))
            await clinic.CreateSession(link).SyncAsync(hub.NodeId);
        await serving;

        // The silent connection is closed by the listener once its deadline passes.
        var buffer = new byte[1];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        int read = await silent.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        Assert.Equal(0, read);
        Assert.Equal(1, listener.RejectedConnections);
    }

    [Fact]
    public async Task Past_its_pending_limit_the_listener_accepts_nothing_until_a_pending_connection_ends()
    {
        using var dir = new TempDirectory();
        await using var hub = await ZamEngine<CounterState>.OpenAsync(dir.Sub("hub"), new NodeId(1), new CounterState());
        await using var clinic = await ZamEngine<CounterState>.OpenAsync(dir.Sub("clinic"), new NodeId(2), new CounterState());
        await using var listener = TcpTransport.Bind("127.0.0.1:0",
            new TcpTransportOptions { MaxPendingConnections = 1, FirstMessageTimeout = TimeSpan.FromSeconds(1) });

        // A silent connection takes the only slot; the clinic behind it waits in the kernel's backlog.
        using var silent = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await silent.ConnectAsync(listener.LocalEndPoint);
        var syncing = Task.Run(async () =>
        {
            await using var link = await TcpTransport.ConnectAsync(hub.NodeId, listener.LocalEndPoint.ToString());
            return await clinic.CreateSession(link).SyncAsync(hub.NodeId);
        });

        // So the clinic is handed out only after the silent connection was dropped at its deadline: by then the
        // listener has counted it. Without the limit, the clinic would be handed out at once, long before.
        await using (var peer = await listener.AcceptSplitAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30)))
        {
            Assert.Equal(1, listener.RejectedConnections);
            Assert.Equal(new NodeId(2), peer.PeerId);
            await hub.CreateSession(peer).ServeOneAsync(peer.PeerId);
        }
        await syncing;
    }

    [Theory]
    [InlineData("oversized")]
    [InlineData("not-a-handshake")]
    [InlineData("garbage")]
    public async Task A_hostile_first_frame_is_rejected_and_the_listener_keeps_serving(string kind)
    {
        await using var listener = TcpTransport.Bind("127.0.0.1:0");
        using var hostile = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await hostile.ConnectAsync(listener.LocalEndPoint);
        byte[] bytes = kind switch
        {
            "oversized" => BigEndian(uint.MaxValue),
            "not-a-handshake" => [0, 0, 0, 4, 0, 3, 0, 0], // a raw SyncComplete
            _ => Enumerable.Range(0, 64).Select(i => (byte)(i * 37)).ToArray(),
        };
        await hostile.SendAsync(bytes, SocketFlags.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[16];
        int read;
        try { read = await hostile.ReceiveAsync(buffer, SocketFlags.None, timeout.Token); }
        catch (SocketException) { read = 0; } // reset instead of FIN: closed all the same
        Assert.Equal(0, read);
        Assert.Equal(1, listener.RejectedConnections);
    }

    private static byte[] BigEndian(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }
}

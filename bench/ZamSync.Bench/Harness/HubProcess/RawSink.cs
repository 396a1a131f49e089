using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace ZamSync.Bench.Harness.HubProcess;

/// <summary>
/// The baseline's receiving end, in the hub process: accepts any number of loopback connections, reads each
/// to its end and answers with the byte count (8 bytes), so the sender knows every byte arrived.
/// </summary>
internal sealed class RawSink : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public RawSink()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(1024);
        _accepting = Task.Run(AcceptLoopAsync);
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => DrainAsync(connection));
        }
    }

    private static async Task DrainAsync(Socket connection)
    {
        using (connection)
        {
            var buffer = new byte[64 * 1024];
            long received = 0;
            try
            {
                int n;
                while ((n = await connection.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false)) > 0) received += n;
                BinaryPrimitives.WriteInt64LittleEndian(buffer, received);
                await connection.SendAsync(buffer.AsMemory(0, 8), SocketFlags.None).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                // The sender went away; it reports its own failure.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _accepting.ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <summary>
    /// The sending side (in the benchmark process): one connection per entry of <paramref name="bytesPerConnection"/>,
    /// all at once, each sending that many bytes and waiting for the sink's count. Returns the wall time.
    /// </summary>
    public static async Task<TimeSpan> SendAsync(IPEndPoint sink, IReadOnlyList<long> bytesPerConnection)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        await Task.WhenAll(bytesPerConnection.Select(bytes => Task.Run(() => SendOneAsync(sink, bytes)))).ConfigureAwait(false);
        return System.Diagnostics.Stopwatch.GetElapsedTime(start);
    }

    private static async Task SendOneAsync(IPEndPoint sink, long bytes)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(sink).ConfigureAwait(false);
        var chunk = new byte[64 * 1024];
        for (long sent = 0; sent < bytes;)
            sent += await socket.SendAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, bytes - sent)), SocketFlags.None).ConfigureAwait(false);
        socket.Shutdown(SocketShutdown.Send);
        int got = 0;
        while (got < 8)
        {
            int n = await socket.ReceiveAsync(chunk.AsMemory(got, 8 - got), SocketFlags.None).ConfigureAwait(false);
            if (n == 0) throw new InvalidOperationException("The sink closed before confirming the bytes.");
            got += n;
        }
        long confirmed = BinaryPrimitives.ReadInt64LittleEndian(chunk);
        if (confirmed != bytes) throw new InvalidOperationException($"The sink received {confirmed} of {bytes} bytes.");
    }
}

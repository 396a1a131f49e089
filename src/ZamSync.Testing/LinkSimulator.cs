using System.Net;
using System.Net.Sockets;

namespace ZamSync.Testing;

/// <summary>
/// A bad link in a box, for demos and tests: an in-process TCP proxy on loopback that delays every chunk,
/// throttles to a byte rate, and can cut a connection after a chosen number of bytes in either direction —
/// the way a 2G or satellite link behaves. Point clients at <see cref="Address"/> instead of the server.
/// </summary>
public sealed class LinkSimulator : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public LinkSimulator(IPEndPoint target)
    {
        _target = target;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Where clients connect (<c>127.0.0.1:port</c>).</summary>
    public string Address => _listener.LocalEndpoint.ToString()!;

    /// <summary>Cut connections made from now on after this many bytes client → server (null: never).</summary>
    public long? CutUpstreamAfter { get; set; }

    /// <summary>Cut connections made from now on after this many bytes server → client (null: never).</summary>
    public long? CutDownstreamAfter { get; set; }

    /// <summary>One-way delay added to every chunk (half the round trip).</summary>
    public TimeSpan OneWayDelay { get; set; }

    /// <summary>Bytes per second in each direction (0: unlimited).</summary>
    public int BytesPerSecond { get; set; }

    /// <summary>Connections relayed so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Connections cut so far.</summary>
    public int Cuts => Volatile.Read(ref _cuts);

    /// <summary>Raised (on a pool thread) when a connection is cut.</summary>
    public event Action<long>? ConnectionCut;

    private int _connections, _cuts;

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) when (_stop.IsCancellationRequested) { return; }
            Interlocked.Increment(ref _connections);
            _ = RelayAsync(client, CutUpstreamAfter, CutDownstreamAfter);
        }
    }

    private async Task RelayAsync(TcpClient client, long? cutUp, long? cutDown)
    {
        using var server = new TcpClient { NoDelay = true };
        client.NoDelay = true;
        using (client)
        {
            try
            {
                await server.ConnectAsync(_target, _stop.Token);
                using var both = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                var up = PumpAsync(client.GetStream(), server.GetStream(), cutUp, both);
                var down = PumpAsync(server.GetStream(), client.GetStream(), cutDown, both);
                await Task.WhenAny(up, down);
                both.Cancel();
                await Task.WhenAll(up, down).ContinueWith(_ => { });
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException) { }
            finally
            {
                // An abortive close (RST) on both ends, like a link that just dies.
                client.Client.LingerState = new LingerOption(true, 0);
                server.Client.LingerState = new LingerOption(true, 0);
            }
        }
    }

    // Each direction is a queue: a chunk is serialised onto the link at the link's rate (after the chunks before
    // it) and arrives one delay later. Delays overlap as on a real link, so a 600 ms round trip costs 600 ms per
    // exchange, not per chunk.
    private async Task PumpAsync(NetworkStream from, NetworkStream to, long? cutAfter, CancellationTokenSource both)
    {
        var inFlight = System.Threading.Channels.Channel.CreateUnbounded<(byte[] Data, long DueTicks)>();
        var deliver = DeliverAsync(inFlight.Reader, to, both.Token);
        var buffer = new byte[16 * 1024];
        long moved = 0;
        long linkFreeAt = 0;
        try
        {
            while (true)
            {
                int n = await from.ReadAsync(buffer, both.Token);
                if (n == 0) break;
                if (cutAfter is { } cut && moved + n >= cut)
                {
                    int keep = (int)(cut - moved);
                    if (keep > 0) inFlight.Writer.TryWrite((buffer[..keep], Schedule(keep, ref linkFreeAt)));
                    inFlight.Writer.TryComplete();
                    await deliver;
                    Interlocked.Increment(ref _cuts);
                    ConnectionCut?.Invoke(cut);
                    return; // the caller tears down both directions
                }
                // A link delivers bytes as they trickle through, not in the lumps the sender wrote: slice
                // what was read into pieces of about 20 ms of link time, each delivered when it has crossed.
                int piece = BytesPerSecond > 0 ? Math.Clamp(BytesPerSecond / 50, 64, 16 * 1024) : n;
                for (int at = 0; at < n; at += piece)
                {
                    int length = Math.Min(piece, n - at);
                    inFlight.Writer.TryWrite((buffer[at..(at + length)], Schedule(length, ref linkFreeAt)));
                }
                moved += n;
            }
            inFlight.Writer.TryComplete();
            await deliver;
            to.Socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException) { }
        finally
        {
            inFlight.Writer.TryComplete();
        }
    }

    /// <summary>When a chunk of <paramref name="bytes"/> sent now arrives: after the link is free and it is serialised, plus the delay.</summary>
    private long Schedule(int bytes, ref long linkFreeAt)
    {
        long now = Environment.TickCount64;
        long serialise = BytesPerSecond > 0 ? (long)Math.Ceiling(bytes * 1000.0 / BytesPerSecond) : 0;
        linkFreeAt = Math.Max(linkFreeAt, now) + serialise;
        return linkFreeAt + (long)OneWayDelay.TotalMilliseconds;
    }

    private static async Task DeliverAsync(System.Threading.Channels.ChannelReader<(byte[] Data, long DueTicks)> inFlight, NetworkStream to, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var (data, due) in inFlight.ReadAllAsync(cancellationToken))
            {
                long wait = due - Environment.TickCount64;
                if (wait > 0) await Task.Delay(TimeSpan.FromMilliseconds(wait), cancellationToken);
                await to.WriteAsync(data, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException) { }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _loop.ContinueWith(_ => { });
        _stop.Dispose();
    }
}

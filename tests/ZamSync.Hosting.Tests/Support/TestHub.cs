using System.Threading.Channels;
using ZamSync.Net.Hub;
using ZamSync.Net.Tcp;
using ZamSync.Tests.Support;

namespace ZamSync.Hosting.Tests.Support;

/// <summary>A real hub on 127.0.0.1 with mutual TLS, counting the sessions it finished.</summary>
public sealed class TestHub : IAsyncDisposable
{
    public static readonly NodeId Id = new(1000);
    private readonly Channel<PeerStatus> _ended = Channel.CreateUnbounded<PeerStatus>();
    private int _sessions;

    private TestHub(ZamEngine<LedgerState> engine, ZamHub hub)
    {
        Engine = engine;
        Hub = hub;
        hub.SessionEnded += s =>
        {
            Interlocked.Increment(ref _sessions);
            _ended.Writer.TryWrite(s);
        };
    }

    public ZamEngine<LedgerState> Engine { get; }

    public ZamHub Hub { get; }

    public string Address => Hub.LocalEndPoint.ToString();

    public int Sessions => Volatile.Read(ref _sessions);

    public static async Task<TestHub> StartAsync(string directory, TestPki pki)
    {
        var engine = await Nodes.OpenAsync(directory, Id.Value);
        var hub = new ZamHub(engine, new ZamHubOptions { Listen = "127.0.0.1:0", Transport = new TcpTransportOptions { Tls = pki.Hub(Id) } });
        await hub.StartAsync();
        return new TestHub(engine, hub);
    }

    /// <summary>The next session the hub finished (its own bookkeeping may trail the client's return).</summary>
    public async Task<PeerStatus> SessionEndedAsync() => await _ended.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

    public async ValueTask DisposeAsync()
    {
        await Hub.DisposeAsync();
        await Engine.DisposeAsync();
    }
}

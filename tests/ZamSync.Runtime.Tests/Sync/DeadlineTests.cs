using ZamSync.Sync;
using ZamSync.Tests.Support;
using ZamSync.Testing;

namespace ZamSync.Tests.Sync;

/// <summary>
/// Every wait of a session has a deadline (REFERENCE.md §3: the original has none after the handshake, so a
/// half-open connection holds a hub slot forever).
/// </summary>
public class DeadlineTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan Enough = TimeSpan.FromSeconds(10);

    private static SyncOptions Options(TimeSpan? handshake = null, TimeSpan? idle = null, TimeSpan? session = null) => new()
    {
        HandshakeTimeout = handshake ?? Enough,
        IdleTimeout = idle ?? Enough,
        SessionTimeout = session ?? TimeSpan.FromSeconds(20),
    };

    [Fact]
    public async Task An_initiator_whose_peer_never_answers_times_out_at_the_handshake_deadline()
    {
        using var dir = new TempDirectory();
        await using var a = await Nodes.OpenAsync(dir.Sub("a"), 1);
        var (mine, nobody) = InMemoryTransport.CreatePair();
        await using var _ = mine;
        await using var __ = nobody; // never served
        var error = await Assert.ThrowsAsync<SyncTimeoutException>(() =>
            a.CreateSession(mine).WithOptions(Options(handshake: Short)).SyncAsync(new NodeId(2)).WaitAsync(Enough));
        Assert.Contains("handshake", error.Message);
    }

    [Fact]
    public async Task A_handshake_or_idle_deadline_is_counted_as_a_timeout_not_a_failure()
    {
        using var outcomes = new SessionOutcomes();
        using var dir = new TempDirectory();
        await using var a = await Nodes.OpenAsync(dir.Sub("a"), 1, new ZamEngineOptions { MeterFactory = outcomes.Factory });
        var (mine, nobody) = InMemoryTransport.CreatePair();
        await using var _ = mine;
        await using var __ = nobody; // never served

        await Assert.ThrowsAsync<SyncTimeoutException>(() =>
            a.CreateSession(mine).WithOptions(Options(handshake: Short)).SyncAsync(new NodeId(2)).WaitAsync(Enough));

        Assert.Equal(["timeout"], outcomes.Outcomes);
    }

    [Fact]
    public async Task A_responder_whose_peer_never_speaks_times_out_at_the_handshake_deadline()
    {
        using var dir = new TempDirectory();
        await using var b = await Nodes.OpenAsync(dir.Sub("b"), 2);
        var (silent, mine) = InMemoryTransport.CreatePair();
        await using var _ = silent;
        await using var __ = mine;
        await Assert.ThrowsAsync<SyncTimeoutException>(() =>
            b.CreateSession(mine).WithOptions(Options(handshake: Short)).ServeOneAsync().WaitAsync(Enough));
    }

    [Fact]
    public async Task An_initiator_whose_peer_goes_silent_after_the_handshake_times_out_at_the_idle_deadline()
    {
        using var dir = new TempDirectory();
        await using var a = await Nodes.OpenAsync(dir.Sub("a"), 1);
        await Nodes.SubmitManyAsync(a, 2, "a");
        var (mine, fake) = InMemoryTransport.CreatePair();
        await using var _ = mine;
        await using var __ = fake;

        var syncing = a.CreateSession(mine).WithOptions(Options(idle: Short)).SyncAsync(new NodeId(2));
        // A responder that answers the handshake correctly, then never sends another byte.
        Assert.IsType<HandshakeMessage>(SyncMessageCodec.Read((await fake.ReceiveAsync(CancellationToken.None))!.Value));
        await fake.SendAsync(SyncMessageCodec.ToBytes(new HandshakeMessage(SyncMessageCodec.ProtocolVersion, new NodeId(2), SyncRole.Responder, "", 0, new VersionVector())), CancellationToken.None);

        var error = await Assert.ThrowsAsync<SyncTimeoutException>(() => syncing.WaitAsync(Enough));
        Assert.Contains("silent", error.Message);
    }

    [Fact]
    public async Task A_responder_whose_peer_goes_silent_after_the_handshake_times_out_at_the_idle_deadline()
    {
        using var dir = new TempDirectory();
        await using var b = await Nodes.OpenAsync(dir.Sub("b"), 2);
        await Nodes.SubmitManyAsync(b, 3, "b");
        var (fake, mine) = InMemoryTransport.CreatePair();
        await using var _ = fake;
        await using var __ = mine;

        var serving = b.CreateSession(mine).WithOptions(Options(idle: Short)).ServeOneAsync();
        await fake.SendAsync(SyncMessageCodec.ToBytes(new HandshakeMessage(SyncMessageCodec.ProtocolVersion, new NodeId(1), SyncRole.Initiator, "", 0, new VersionVector())), CancellationToken.None);
        // Take everything the responder sends (handshake, events, completion), then say nothing.
        var kinds = new List<SyncMessageKind>();
        while (kinds.LastOrDefault() != SyncMessageKind.SyncComplete)
            kinds.Add(SyncMessageCodec.Read((await fake.ReceiveAsync(CancellationToken.None))!.Value).Kind);

        await Assert.ThrowsAsync<SyncTimeoutException>(() => serving.WaitAsync(Enough));
        Assert.Equal([SyncMessageKind.Handshake, SyncMessageKind.EventBatch, SyncMessageKind.SyncComplete], kinds);
    }

    [Fact]
    public async Task A_responder_whose_peer_stops_reading_times_out_at_the_idle_deadline()
    {
        using var dir = new TempDirectory();
        await using var b = await Nodes.OpenAsync(dir.Sub("b"), 2);
        await Sessions.SubmitConcurrentlyAsync(b, 100, "b");
        var (fake, mine) = InMemoryTransport.CreatePair(capacity: 4);
        await using var _ = fake;
        await using var __ = mine;

        // One event per batch: far more messages than the link holds while nobody reads.
        var options = Options(idle: Short) with { MaxBatchEvents = 1 };
        var serving = b.CreateSession(mine).WithOptions(options).ServeOneAsync();
        await fake.SendAsync(SyncMessageCodec.ToBytes(new HandshakeMessage(SyncMessageCodec.ProtocolVersion, new NodeId(1), SyncRole.Initiator, "", 0, new VersionVector())), CancellationToken.None);

        var error = await Assert.ThrowsAsync<SyncTimeoutException>(() => serving.WaitAsync(Enough));
        Assert.Contains("did not take our data", error.Message);
    }

    [Fact]
    public async Task A_peer_that_keeps_the_session_alive_with_empty_batches_is_cut_at_the_session_deadline()
    {
        using var dir = new TempDirectory();
        await using var a = await Nodes.OpenAsync(dir.Sub("a"), 1);
        var (mine, fake) = InMemoryTransport.CreatePair();
        await using var _ = mine;
        await using var __ = fake;
        var sessionLimit = TimeSpan.FromMilliseconds(700);

        var syncing = a.CreateSession(mine).WithOptions(Options(idle: Short, session: sessionLimit)).SyncAsync(new NodeId(2));
        await fake.ReceiveAsync(CancellationToken.None);
        await fake.SendAsync(SyncMessageCodec.ToBytes(new HandshakeMessage(SyncMessageCodec.ProtocolVersion, new NodeId(2), SyncRole.Responder, "", 0, new VersionVector())), CancellationToken.None);
        var emptyBatch = SyncMessageCodec.ToBytes(new EventBatchMessage([]));
        using var stop = new CancellationTokenSource();
        var trickle = Task.Run(async () =>
        {
            // Always within the idle deadline, never finishing.
            while (!stop.IsCancellationRequested)
            {
                try { await fake.SendAsync(emptyBatch, stop.Token); } catch (Exception) { return; }
                await Task.Delay(TimeSpan.FromMilliseconds(50), CancellationToken.None); // a peer that trickles, on purpose
            }
        });

        var error = await Assert.ThrowsAsync<SyncTimeoutException>(() => syncing.WaitAsync(Enough));
        stop.Cancel();
        await trickle;
        // The session deadline (not the idle one, which the trickle keeps satisfying) ended it.
        Assert.Contains("took longer", error.Message);
    }

    [Fact]
    public async Task A_session_with_a_prompt_peer_finishes_well_within_short_deadlines()
    {
        using var dir = new TempDirectory();
        await using var a = await Nodes.OpenAsync(dir.Sub("a"), 1);
        await using var b = await Nodes.OpenAsync(dir.Sub("b"), 2);
        await Sessions.SubmitConcurrentlyAsync(a, 50, "a");
        var options = Options(handshake: Short, idle: Short, session: TimeSpan.FromSeconds(5));

        (await Sessions.RunAsync(a, b, s => s.WithOptions(options), s => s.WithOptions(options))).Require();
        Assert.Equal(50UL, b.Known[a.NodeId]);
    }
}

using System.Text;
using ZamSync.Net.Tcp;
using ZamSync.Sync;
using ZamSync.Tests.Engine;
using ZamSync.Tests.Support;

namespace ZamSync.Net.Tests.Pipelining;

/// <summary>
/// The receiver queues batches while earlier ones are fsynced; here its disk (a real 2 MiB tmpfs) fills up with many
/// batches in flight, over a real TCP link. The write that fails takes back everything queued behind it, so the session
/// must fail with that write's error, acknowledge nothing, and leave exactly a durable prefix; the next session sends
/// the rest.
/// </summary>
public class PipelinedWriteFailureTests
{
    private const int Events = 1500, PayloadLength = 400;
    private static readonly SyncOptions SmallBatches = new() { MaxBatchEvents = 16 };
    private static readonly SyncOptions ManyInFlight = new() { MaxReceivedBytesInFlight = 1 << 20 };

    [SmallFileSystemFact]
    public async Task A_write_failing_mid_pipeline_fails_the_session_acknowledges_nothing_and_the_next_session_resends_the_rest()
    {
        using var temp = new TempDirectory("pipeline-full");
        using var disk = SmallFileSystem.Mount(temp.Sub("small"), 2 << 20);
        string hubDir = Path.Combine(disk.Path, "hub"), filler = Path.Combine(disk.Path, "filler");
        await using var clinic = await Nodes.OpenAsync(temp.Sub("clinic"), 41);
        var sent = new List<string>();
        for (int i = 0; i < Events; i++)
            sent.Add(Text((await clinic.SubmitAsync(1, Encoding.UTF8.GetBytes($"visit-{i}".PadRight(PayloadLength, '.')))).Payload));

        await using (var hub = await Nodes.OpenAsync(hubDir, 40))
        {
            SessionOutcome failed;
            try
            {
                disk.FillLeaving(filler, 128 * 1024);
                failed = await SyncOverTcpAsync(clinic, hub);
            }
            finally
            {
                File.Delete(filler); // before any assertion, so a failing one is not masked by the close failing too
            }

            // The write's own error, not a hole that the rollback made the next queued batch look like.
            var error = Assert.IsType<ZamStorageException>(failed.ResponderError);
            Assert.IsAssignableFrom<IOException>(error.InnerException);
            Assert.IsType<SyncDisconnectedException>(failed.InitiatorError);
            ulong kept = hub.Known[clinic.NodeId];
            Assert.InRange(kept, 0UL, Events - 1UL);
            // Exactly a prefix is durable, and the clinic was never told of more than that.
            Assert.Equal(sent.Take((int)kept), Payloads(hub, clinic.NodeId));
            Assert.True(clinic.PeerKnowledge(hub.NodeId)[clinic.NodeId] <= kept, "the clinic holds an acknowledgement of events the hub does not hold");

            var (resent, received) = (await SyncOverTcpAsync(clinic, hub)).Require();
            Assert.Equal(Events - (int)kept, resent.EventsSent);
            Assert.Equal(Events - (int)kept, received.EventsReceived);
            Assert.Equal(sent, Payloads(hub, clinic.NodeId));
            Assert.Equal(Events, hub.Read(s => s.Count));
            Assert.Equal((ulong)Events, clinic.PeerKnowledge(hub.NodeId)[clinic.NodeId]);
        }

        await using var reopened = await Nodes.OpenAsync(hubDir, 40);
        Assert.False(reopened.Recovery.TailWasTorn);
        Assert.Equal(sent, Payloads(reopened, clinic.NodeId));
        Assert.Equal(Events, reopened.Read(s => s.Count));
    }

    /// <summary>
    /// One session, the clinic dialling the hub; each side closes its connection as soon as it is done or has failed,
    /// so the other sees the close rather than waiting for a deadline.
    /// </summary>
    private static async Task<SessionOutcome> SyncOverTcpAsync(ZamEngine clinic, ZamEngine hub)
    {
        await using var listener = TcpTransport.Bind("127.0.0.1:0");
        var serving = Task.Run(async () =>
        {
            var peer = await listener.AcceptSplitAsync();
            return await Sessions.RunSideAsync(peer, () => hub.CreateSession(peer).WithOptions(ManyInFlight).ServeOneAsync(peer.PeerId));
        });
        var link = await TcpTransport.ConnectAsync(hub.NodeId, listener.LocalEndPoint.ToString());
        var syncing = Sessions.RunSideAsync(link, () => clinic.CreateSession(link).WithOptions(SmallBatches).SyncAsync(hub.NodeId));
        await Task.WhenAll(serving, syncing).WaitAsync(Sessions.Guard);
        var (clientStats, clientError) = await syncing;
        var (serverStats, serverError) = await serving;
        return new SessionOutcome(clientStats, clientError, serverStats, serverError);
    }

    private static string Text(ReadOnlyMemory<byte> payload) => Encoding.UTF8.GetString(payload.Span);

    private static List<string> Payloads(ZamEngine engine, NodeId origin) =>
        engine.ReadEvents(origin).Select(e => Text(e.Payload)).ToList();
}

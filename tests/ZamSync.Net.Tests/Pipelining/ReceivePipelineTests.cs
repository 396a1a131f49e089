using System.Diagnostics.Metrics;
using ZamSync.Diagnostics;
using ZamSync.Net.Tcp;
using ZamSync.Sync;
using ZamSync.Tests.Support;

namespace ZamSync.Net.Tests.Pipelining;

/// <summary>
/// The receiving side of one session over a real loopback TCP link, onto a real disk. Batches arrive much faster than
/// an fsync completes, so a receiver that made each batch durable before reading the next would fsync once per batch;
/// one that queues the next batch while the previous is fsynced lets group commit merge them, up to its bound.
/// </summary>
public sealed class ReceivePipelineTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Events = 4000, EventsPerBatch = 16, PayloadBytes = 100;
    private const int Batches = Events / EventsPerBatch;
    /// <summary>What one batch counts against <see cref="SyncOptions.MaxReceivedBytesInFlight"/> (payloads plus 64 B an event).</summary>
    private const long BatchBytes = EventsPerBatch * (PayloadBytes + 64L);

    [Fact]
    public async Task A_session_receiving_many_batches_commits_several_per_fsync_and_never_more_than_its_bound_allows()
    {
        // Four batches may wait for the disk; the receiver reads a fifth before it trims back, so one commit holds at
        // most five of this session's batches.
        var (fsyncs, received, hub) = await ReceiveAsync(maxInFlight: 4 * BatchBytes);
        output.WriteLine($"{received} batches, {fsyncs} fsyncs");

        Assert.Equal(Batches, received);
        Assert.Equal(Events, hub);
        Assert.True(fsyncs < Batches, $"{fsyncs} fsyncs for {Batches} batches: the receiver waited for each batch's fsync before reading the next");
        Assert.True(fsyncs >= Batches / 5, $"{fsyncs} fsyncs for {Batches} batches: more than five batches of one session shared an fsync, past the bound");
    }

    [Fact]
    public async Task With_no_bytes_in_flight_allowed_every_batch_is_durable_before_the_next_is_read()
    {
        var (fsyncs, received, hub) = await ReceiveAsync(maxInFlight: 0);

        Assert.Equal(Batches, received);
        Assert.Equal(Events, hub);
        Assert.Equal(Batches, fsyncs);
    }

    /// <summary>
    /// A clinic sends <see cref="Events"/> events in batches of <see cref="EventsPerBatch"/> to a hub that serves the
    /// session; returns the hub's fsyncs during it, the batches it received, and the events it then holds.
    /// </summary>
    private static async Task<(long Fsyncs, long Batches, int HubEvents)> ReceiveAsync(long maxInFlight)
    {
        using var dir = new TempDirectory("pipeline");
        await using var clinic = await Nodes.OpenAsync(dir.Sub("clinic"), 31);
        await using var hub = await Nodes.OpenAsync(dir.Sub("hub"), 30);
        for (int i = 0; i < Events; i++)
            await clinic.SubmitAsync(1, System.Text.Encoding.UTF8.GetBytes($"event-{i:D6}".PadRight(PayloadBytes, '.')));

        using var recorder = new HubMeasurements(hub.Metrics);
        await using var listener = TcpTransport.Bind("127.0.0.1:0");
        var serving = Task.Run(async () =>
        {
            await using var peer = await listener.AcceptSplitAsync();
            return await hub.CreateSession(peer).WithOptions(new SyncOptions { MaxReceivedBytesInFlight = maxInFlight }).ServeOneAsync(peer.PeerId);
        });
        SyncStats sent;
        await using (var link = await TcpTransport.ConnectAsync(hub.NodeId, listener.LocalEndPoint.ToString()))
            sent = await clinic.CreateSession(link).WithOptions(new SyncOptions { MaxBatchEvents = EventsPerBatch }).SyncAsync(hub.NodeId);
        var served = await serving.WaitAsync(Sessions.Guard);

        Assert.Equal(Events, sent.EventsSent);
        Assert.Equal(Events, served.EventsReceived);
        // The clinic was told only what is durable at the hub: all of it, once the session completed.
        Assert.Equal(hub.Known[clinic.NodeId], clinic.PeerKnowledge(hub.NodeId)[clinic.NodeId]);
        return (recorder.Fsyncs, recorder.BatchesReceived, hub.Read(s => s.Count));
    }

    /// <summary>Group commits and received batches on one engine's instruments (tests in parallel have their own).</summary>
    private sealed class HubMeasurements : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _fsyncs, _batchesReceived;

        public HubMeasurements(ZamMetrics metrics)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (metrics.Owns(instrument) && instrument.Name is ZamMetrics.Instruments.FsyncBatches or ZamMetrics.Instruments.BatchEvents)
                    listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _fsyncs, value));
            _listener.SetMeasurementEventCallback<int>((_, _, tags, _) =>
            {
                foreach (var tag in tags)
                    if (tag is { Key: "direction", Value: "received" }) Interlocked.Increment(ref _batchesReceived);
            });
            _listener.Start();
        }

        public long Fsyncs => Interlocked.Read(ref _fsyncs);

        public long BatchesReceived => Interlocked.Read(ref _batchesReceived);

        public void Dispose() => _listener.Dispose();
    }
}

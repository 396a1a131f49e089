using System.Text;
using ZamSync.Net.Tcp;
using ZamSync.Net.Tls;
using ZamSync.Sync;
using ZamSync.Tests.Support;

namespace ZamSync.PostgreSql.Tests.HubProcesses;

/// <summary>
/// Two hub processes (separate OS processes) receiving overlapping batches of the same origin at the same moment: one
/// clinic uploads the same events to both at once, twice, and the schema holds each exactly once with no hole, and
/// both processes fold each once. <see cref="ConcurrentAppendTests"/> races two stores in this process; this is the
/// deployed shape, with each process's own engine, pool and writer between the clinic and the database.
/// </summary>
public sealed class OverlappingUploadTests : IAsyncLifetime
{
    private static readonly NodeId HubId = new(2000);
    private static readonly NodeId ClinicId = new(21);
    private static readonly SyncOptions Sync = new() { MaxBatchEvents = 25, HandshakeTimeout = TimeSpan.FromSeconds(30), IdleTimeout = TimeSpan.FromSeconds(30) };

    private readonly TempDirectory _temp = new("pg-overlap");
    private readonly TestDatabase _db = TestDatabase.Create();
    private readonly List<HubChildProcess> _hubs = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var hub in _hubs) await hub.DisposeAsync();
        await _db.DisposeAsync();
        _temp.Dispose();
    }

    [Fact]
    public async Task Two_hub_processes_taking_the_same_origins_batches_at_once_store_each_event_once_with_no_hole()
    {
        using var authority = ZamPki.CreateAuthority("pg-overlap");
        var setup = await HubProcessSetup.CreateAsync(_db, HubId, authority, _temp.Path);
        _hubs.Add(await HubChildProcess.StartAsync(setup, "a", _temp.Sub("hub/processes/a")));
        _hubs.Add(await HubChildProcess.StartAsync(setup, "b", _temp.Sub("hub/processes/b")));
        using var certificate = ZamPki.IssueCertificate(authority, ClinicId, NodeRole.Node);
        var tls = new TlsOptions { Certificate = certificate, Authority = authority };
        await using var clinic = await Nodes.OpenAsync(_temp.Sub("clinic"), ClinicId.Value);

        int total = 0;
        foreach (int count in new[] { 600, 400 })
        {
            // Four submitters share fsyncs; the events are the clinic's, sequences 1..total.
            await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(async () =>
            {
                for (int i = 0; i < count / 4; i++) await clinic.SubmitAsync(1, Encoding.UTF8.GetBytes($"r{total}-t{t}-{i}"));
            })));
            total += count;

            // Both sessions start from what their process holds and meet after each sent its first batch (neither goes
            // on until both have), so from there both streams carry the same batches to the two processes at once.
            using var meet = new Barrier(2);
            var rendezvous = _hubs.Select(_ => new Rendezvous(meet)).ToList();
            var sessions = _hubs.Select((hub, i) => Task.Run(async () =>
            {
                await using var link = await TcpTransport.ConnectAsync(HubId, hub.Address, new TcpTransportOptions { Tls = tls });
                return await clinic.CreateSession(link).WithOptions(Sync).WithProgress(rendezvous[i]).SyncAsync(HubId);
            })).ToList();
            await Task.WhenAll(sessions);
            Assert.All(rendezvous, r => Assert.True(r.Met, "the two sessions did not both send a batch at the same time"));

            Assert.Equal((long)total, await _db.ScalarAsync<long>("SELECT count(*) FROM {s}.events"));
            Assert.Equal((long)total, await _db.ScalarAsync<long>("SELECT count(DISTINCT seq) FROM {s}.events"));
            Assert.Equal(1m, await _db.ScalarAsync<decimal>("SELECT {s}.u64(min(seq)) FROM {s}.events"));
            Assert.Equal((decimal)total, await _db.ScalarAsync<decimal>("SELECT {s}.u64(max(seq)) FROM {s}.events"));
            Assert.Equal((decimal)total, await _db.ScalarAsync<decimal>("SELECT {s}.u64(held) FROM {s}.origins"));
        }

        // Each process folded each event once, in the clinic's order: after one more session (its handshake publishes
        // what the other process committed), its state is the clinic's.
        foreach (var hub in _hubs)
        {
            await using (var link = await TcpTransport.ConnectAsync(HubId, hub.Address, new TcpTransportOptions { Tls = tls }))
                await clinic.CreateSession(link).WithOptions(Sync).SyncAsync(HubId);
            var (count, hash) = await hub.StateAsync();
            Assert.Equal(total, count);
            Assert.Equal(clinic.State.Hash(), hash);
        }
        foreach (var hub in _hubs) await hub.QuitAsync();
    }

    /// <summary>Holds a session after its first batch went up until the other session's first batch went up too.</summary>
    private sealed class Rendezvous(Barrier barrier) : IProgress<SyncProgress>
    {
        private bool _reached;

        public bool Met { get; private set; }

        public void Report(SyncProgress value)
        {
            if (_reached || value.Phase != SyncPhase.Sending) return;
            _reached = true;
            // A safety net only: the other session has its own batch to send, since this one is held after its first.
            Met = barrier.SignalAndWait(TimeSpan.FromSeconds(60));
        }
    }
}

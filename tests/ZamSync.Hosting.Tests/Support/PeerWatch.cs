using System.Threading.Channels;
using ZamSync.Hosting.Replication;

namespace ZamSync.Hosting.Tests.Support;

/// <summary>Every state change the replicator reports, in order, to await the one a test expects.</summary>
public sealed class PeerWatch : IDisposable
{
    private readonly ZamReplicator _replicator;
    private readonly Channel<ReplicatorPeerState> _changes = Channel.CreateUnbounded<ReplicatorPeerState>();

    public PeerWatch(ZamReplicator replicator)
    {
        _replicator = replicator;
        _replicator.PeerChanged += OnChanged;
    }

    public List<ReplicatorPeerState> Seen { get; } = new();

    private void OnChanged(ReplicatorPeerState state) => _changes.Writer.TryWrite(state);

    /// <summary>The next reported state that matches (bounded in real time only against a hung test).</summary>
    public async Task<ReplicatorPeerState> WaitForAsync(Func<ReplicatorPeerState, bool> match)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var state = await _changes.Reader.ReadAsync(guard.Token);
            Seen.Add(state);
            if (match(state)) return state;
        }
    }

    /// <summary>The end of the next round.</summary>
    public Task<ReplicatorPeerState> RoundEndedAsync() => WaitForAsync(s => !s.Syncing && s.LastOutcome is not null);

    public void Dispose() => _replicator.PeerChanged -= OnChanged;
}

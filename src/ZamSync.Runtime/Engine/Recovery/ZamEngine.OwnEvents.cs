using ZamSync.Diagnostics;

namespace ZamSync;

public abstract partial class ZamEngine
{
    /// <summary>
    /// The file whose presence says this directory was restored from a backup and must win back its own events from a
    /// peer before it mints another sequence (docs/operations.md, "Backup and restore").
    /// </summary>
    public const string RestoredMarkerFile = "restored.pending";

    private readonly Lock _ownGate = new();
    private ulong _ownHeldElsewhere;
    private NodeId _ownHeldBy;
    private bool _restoredPending;

    /// <summary>
    /// Marks <paramref name="directory"/> (a node's data directory, not open) as restored from a backup: the engine that
    /// opens it refuses local submits until a sync has told it how far its own origin got and brought back what the
    /// backup missed. Without it, the restored node would mint again sequences its peers already hold under other events.
    /// </summary>
    public static void MarkRestored(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Storage.DurableFile.WriteAllBytes(Path.Combine(directory, RestoredMarkerFile), "restored from a backup: sync before submitting\n"u8);
    }

    /// <summary>
    /// Whether this node is missing some of its own events that a peer holds (it was restored from a backup, or its log
    /// was lost): until it has them back it refuses local submits with <see cref="OwnEventsMissingException"/>.
    /// </summary>
    public bool IsRecoveringOwnEvents => OwnEventsMissing(out _, out _, out _);

    private void LoadOwnRecovery()
    {
        _restoredPending = File.Exists(Path.Combine(DataDirectory, RestoredMarkerFile));
        // Peer knowledge survives in the peer table: a peer that held more of our origin than the log does now.
        foreach (var (peer, holds) in _peers.All()) NoteOwnHeldBy(peer, holds);
        if (OwnEventsMissing(out ulong held, out ulong elsewhere, out _))
            EngineLog.OwnEventsMissing(Loggers.Engine, NodeId, held, _restoredPending ? "a restore marked this directory" : $"peer {_ownHeldBy} holds up to #{elsewhere}");
    }

    /// <summary>Notes how far <paramref name="peer"/> holds this node's own origin (from its handshake or acknowledgement).</summary>
    private void NoteOwnHeldBy(NodeId peer, VersionVector holds)
    {
        ulong theirs = holds[NodeId];
        if (theirs <= _store.HighestSequence(NodeId)) return;
        bool first;
        lock (_ownGate)
        {
            if (theirs <= _ownHeldElsewhere) return;
            first = _ownHeldElsewhere == 0;
            (_ownHeldElsewhere, _ownHeldBy) = (theirs, peer);
        }
        if (first && _peers is not null)
            EngineLog.OwnEventsHeldElsewhere(Loggers.Engine, NodeId, _store.HighestSequence(NodeId), peer, theirs);
    }

    private bool OwnEventsMissing(out ulong held, out ulong elsewhere, out bool restored)
    {
        held = _store.HighestSequence(NodeId);
        lock (_ownGate)
        {
            elsewhere = _ownHeldElsewhere;
            restored = _restoredPending;
            return restored || elsewhere > held;
        }
    }

    private void ThrowIfOwnEventsMissing()
    {
        if (!OwnEventsMissing(out ulong held, out ulong elsewhere, out bool restored)) return;
        throw new OwnEventsMissingException(NodeId, held, elsewhere > held ? elsewhere : null, elsewhere > held ? _ownHeldBy : null, restored);
    }

    /// <summary>
    /// After a session with <paramref name="peer"/> completed: a restored directory has now learned how far its origin
    /// got from a peer and holds at least that much, so it may mint again; the marker goes.
    /// </summary>
    internal void CompleteOwnRecovery(NodeId peer, VersionVector peerHolds)
    {
        NoteOwnHeldBy(peer, peerHolds);
        ulong held = _store.HighestSequence(NodeId);
        bool cleared = false;
        lock (_ownGate)
        {
            if (_restoredPending && peerHolds[NodeId] <= held && _ownHeldElsewhere <= held)
            {
                _restoredPending = false;
                cleared = true;
            }
        }
        if (cleared)
        {
            File.Delete(Path.Combine(DataDirectory, RestoredMarkerFile));
            Storage.DurableFile.FlushDirectory(DataDirectory);
        }
        if (cleared || (held >= _ownHeldElsewhere && _ownHeldElsewhere > 0))
            EngineLog.OwnEventsRecovered(Loggers.Engine, NodeId, held, peer);
    }
}

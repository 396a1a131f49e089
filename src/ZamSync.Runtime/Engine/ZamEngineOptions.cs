using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ZamSync.Wal;

namespace ZamSync;

/// <summary>How an engine is opened. Every option has a safe default.</summary>
public sealed record ZamEngineOptions
{
    /// <summary>The embedded log: encryption at rest and record limits (used when <see cref="EventStore"/> is not set).</summary>
    public WalOptions Wal { get; init; } = new();

    /// <summary>
    /// Opens the store the engine's events live in: the embedded log (<see cref="WalStoreProvider"/> with
    /// <see cref="Wal"/>) when null; a shared database for hubs that scale out (docs/engine.md, "The storage port").
    /// </summary>
    public IEventStoreProvider? EventStore { get; init; }

    /// <summary>Where time comes from (tests pass a fake one).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// How far ahead of our wall clock a peer's clock may pull ours (15 minutes by default). Events from
    /// further ahead still replicate and sort by their stamp; they just don't move our clock.
    /// </summary>
    public TimeSpan MaxClockDrift { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// The contract fingerprint exchanged in the handshake. Left empty, the engine takes it (and
    /// <see cref="ContractSchema"/>) from the <see cref="ZamContractAttribute"/> the generator writes on the state's
    /// assembly; set it only to override.
    /// </summary>
    public string ContractFingerprint { get; init; } = "";

    /// <summary>
    /// The contract's canonical schema. When two peers' fingerprints differ, their schemas decide: compatible
    /// evolutions (new events, new slots) sync, a slot whose type changed is refused. Without a schema on both
    /// sides, fingerprints must be equal.
    /// </summary>
    public string ContractSchema { get; init; } = "";

    /// <summary>Decides whether an event is acceptable here (optional).</summary>
    public IEventValidator? Validator { get; init; }

    /// <summary>Owns the <c>ZamSync</c> meter when set (for hosts); otherwise the engine creates its own.</summary>
    public IMeterFactory? MeterFactory { get; init; }

    /// <summary>
    /// Where the engine logs what an operator should know of: torn tails cut at open, quarantined events, re-folds,
    /// compactions, clocks too far ahead, session outcomes (docs/engine.md lists the event ids). Nothing by default.
    /// </summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>How the fold loop keeps the state up to date: re-fold delays and in-memory checkpoints.</summary>
    public FoldOptions Fold { get; init; } = new();

    /// <summary>Where peer knowledge is kept; <c>peers.log</c> in the data directory by default (<see cref="Storage.FilePeerStore"/>).</summary>
    public IPeerStore? PeerStore { get; init; }

    /// <summary>
    /// The most bytes of received batches every session of this engine together holds between receiving a batch and
    /// seeing it durable (8 MiB by default; counted as <see cref="Sync.SyncOptions.MaxReceivedBytesInFlight"/> counts
    /// them, payloads plus a small cost per event). A hub's memory then grows with its concurrent sessions only by
    /// their buffers, not by what all of them send at once: a session over the bound waits before queuing its next
    /// batch (and so stops reading its connection) until earlier batches are durable. A batch larger than the bound
    /// is queued alone.
    /// </summary>
    public long MaxIngestBytesInFlight
    {
        get => _maxIngestBytesInFlight;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _maxIngestBytesInFlight = value;
        }
    }

    private readonly long _maxIngestBytesInFlight = 8L << 20;
}

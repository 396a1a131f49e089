using ZamSync.Tests.Engine;
using ZamSync.Tests.Sync;

namespace ZamSync.PostgreSql.Tests;

// The runtime's store suites (tests/ZamSync.Runtime.Tests/Suites, compiled into this project too) on PostgreSQL: the
// same tests, every node in a schema of its own. Without ZAMSYNC_POSTGRES they fail, they do not skip.

/// <summary><see cref="TwoNodeSyncSuite"/> on PostgreSQL.</summary>
public sealed class TwoNodeSyncOnPostgresTests : TwoNodeSyncSuite
{
    private readonly PostgresNodes _nodes = new();

    protected override ZamEngineOptions WithStore(string directory, ZamEngineOptions? options) => _nodes.WithStore(directory, options);

    protected override Task DropCheckpointAsync(string directory) => _nodes.DropCheckpointAsync(directory);

    public override Task DisposeAsync() => _nodes.DisposeAsync().AsTask();
}

/// <summary><see cref="ConvergenceSuite"/> on PostgreSQL.</summary>
public sealed class ConvergenceOnPostgresTests : ConvergenceSuite
{
    private readonly PostgresNodes _nodes = new();

    protected override ZamEngineOptions WithStore(string directory, ZamEngineOptions? options) => _nodes.WithStore(directory, options);

    protected override Task DropCheckpointAsync(string directory) => _nodes.DropCheckpointAsync(directory);

    public override Task DisposeAsync() => _nodes.DisposeAsync().AsTask();
}

/// <summary><see cref="LateEventSuite"/> on PostgreSQL.</summary>
public sealed class LateEventOnPostgresTests : LateEventSuite
{
    private readonly PostgresNodes _nodes = new();

    protected override ZamEngineOptions WithStore(string directory, ZamEngineOptions? options) => _nodes.WithStore(directory, options);

    protected override Task DropCheckpointAsync(string directory) => _nodes.DropCheckpointAsync(directory);

    public override Task DisposeAsync() => _nodes.DisposeAsync().AsTask();
}

/// <summary><see cref="ConnectionCutSuite"/> on PostgreSQL.</summary>
public sealed class ConnectionCutOnPostgresTests : ConnectionCutSuite
{
    private readonly PostgresNodes _nodes = new();

    protected override ZamEngineOptions WithStore(string directory, ZamEngineOptions? options) => _nodes.WithStore(directory, options);

    protected override Task DropCheckpointAsync(string directory) => _nodes.DropCheckpointAsync(directory);

    public override Task DisposeAsync() => _nodes.DisposeAsync().AsTask();
}

/// <summary><see cref="CompactedRefusalSuite"/> on PostgreSQL.</summary>
public sealed class CompactedRefusalOnPostgresTests : CompactedRefusalSuite
{
    private readonly PostgresNodes _nodes = new();

    protected override ZamEngineOptions WithStore(string directory, ZamEngineOptions? options) => _nodes.WithStore(directory, options);

    protected override Task DropCheckpointAsync(string directory) => _nodes.DropCheckpointAsync(directory);

    public override Task DisposeAsync() => _nodes.DisposeAsync().AsTask();
}

/// <summary><see cref="OverlappingSessionsSuite"/> on PostgreSQL.</summary>
public sealed class OverlappingSessionsOnPostgresTests : OverlappingSessionsSuite
{
    private readonly PostgresNodes _nodes = new();

    protected override ZamEngineOptions WithStore(string directory, ZamEngineOptions? options) => _nodes.WithStore(directory, options);

    protected override Task DropCheckpointAsync(string directory) => _nodes.DropCheckpointAsync(directory);

    public override Task DisposeAsync() => _nodes.DisposeAsync().AsTask();
}

/// <summary><see cref="ConcurrentSubmitSuite"/> on PostgreSQL.</summary>
public sealed class ConcurrentSubmitOnPostgresTests : ConcurrentSubmitSuite
{
    private readonly PostgresNodes _nodes = new();

    protected override ZamEngineOptions WithStore(string directory, ZamEngineOptions? options) => _nodes.WithStore(directory, options);

    protected override Task DropCheckpointAsync(string directory) => _nodes.DropCheckpointAsync(directory);

    public override Task DisposeAsync() => _nodes.DisposeAsync().AsTask();
}

/// <summary><see cref="FoldLoopSuite"/> on PostgreSQL.</summary>
public sealed class FoldLoopOnPostgresTests : FoldLoopSuite
{
    private readonly PostgresNodes _nodes = new();

    protected override ZamEngineOptions WithStore(string directory, ZamEngineOptions? options) => _nodes.WithStore(directory, options);

    protected override Task DropCheckpointAsync(string directory) => _nodes.DropCheckpointAsync(directory);

    public override Task DisposeAsync() => _nodes.DisposeAsync().AsTask();
}

/// <summary><see cref="ConcurrentIngestDurabilitySuite"/> on PostgreSQL.</summary>
public sealed class ConcurrentIngestDurabilityOnPostgresTests : ConcurrentIngestDurabilitySuite
{
    private readonly PostgresNodes _nodes = new();

    protected override ZamEngineOptions WithStore(string directory, ZamEngineOptions? options) => _nodes.WithStore(directory, options);

    protected override Task DropCheckpointAsync(string directory) => _nodes.DropCheckpointAsync(directory);

    public override Task DisposeAsync() => _nodes.DisposeAsync().AsTask();
}

/// <summary><see cref="CompactionSuite"/> on PostgreSQL.</summary>
public sealed class CompactionOnPostgresTests : CompactionSuite
{
    private readonly PostgresNodes _nodes = new();

    protected override ZamEngineOptions WithStore(string directory, ZamEngineOptions? options) => _nodes.WithStore(directory, options);

    protected override Task DropCheckpointAsync(string directory) => _nodes.DropCheckpointAsync(directory);

    public override Task DisposeAsync() => _nodes.DisposeAsync().AsTask();
}

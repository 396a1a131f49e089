// The store suites (tests/ZamSync.Runtime.Tests/Suites) on the embedded log, under their original names and
// namespaces; tests/ZamSync.PostgreSql.Tests runs the same suites on PostgreSQL.

namespace ZamSync.Tests.Sync
{
    /// <summary><see cref="TwoNodeSyncSuite"/> on the embedded log.</summary>
    public sealed class TwoNodeSyncTests : TwoNodeSyncSuite;

    /// <summary><see cref="ConvergenceSuite"/> on the embedded log.</summary>
    public sealed class ConvergenceTests : ConvergenceSuite;

    /// <summary><see cref="LateEventSuite"/> on the embedded log.</summary>
    public sealed class LateEventTests : LateEventSuite;

    /// <summary><see cref="ConnectionCutSuite"/> on the embedded log.</summary>
    public sealed class ConnectionCutTests : ConnectionCutSuite;

    /// <summary><see cref="CompactedRefusalSuite"/> on the embedded log.</summary>
    public sealed class CompactedRefusalTests : CompactedRefusalSuite;

    /// <summary><see cref="OverlappingSessionsSuite"/> on the embedded log.</summary>
    public sealed class OverlappingSessionsTests : OverlappingSessionsSuite;
}

namespace ZamSync.Tests.Engine
{
    /// <summary><see cref="ConcurrentSubmitSuite"/> on the embedded log.</summary>
    public sealed class ConcurrentSubmitTests : ConcurrentSubmitSuite;

    /// <summary><see cref="FoldLoopSuite"/> on the embedded log.</summary>
    public sealed class FoldLoopTests : FoldLoopSuite;

    /// <summary><see cref="ConcurrentIngestDurabilitySuite"/> on the embedded log.</summary>
    public sealed class ConcurrentIngestDurabilityTests : ConcurrentIngestDurabilitySuite;
}

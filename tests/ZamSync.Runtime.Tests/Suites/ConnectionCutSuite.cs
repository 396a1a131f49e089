using ZamSync.Sync;
using ZamSync.Tests.Support;

namespace ZamSync.Tests.Sync;

/// <summary>
/// A link that drops mid-transfer (a 2G connection) loses nothing and duplicates nothing: retrying until a
/// session completes leaves both sides with every event exactly once.
/// </summary>
public abstract class ConnectionCutSuite : StoreSuite
{
    private static readonly SyncOptions SmallBatches = new() { MaxBatchEvents = 4, IdleTimeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task Sessions_cut_at_random_byte_counts_and_retried_deliver_every_event_exactly_once()
    {
        const int Scenarios = 40;
        var random = new Random(7_331);
        int cutSessions = 0, completedSessions = 0;
        var errorKinds = new HashSet<string>();
        using var dir = new TempDirectory();

        for (int scenario = 0; scenario < Scenarios; scenario++)
        {
            string aDir = dir.Sub($"s{scenario}-a"), bDir = dir.Sub($"s{scenario}-b");
            int aCount = random.Next(10, 40), bCount = random.Next(0, 30);
            string aHash, bHash;
            VersionVector aKnown, bKnown;
            await using (var a = await OpenAsync(aDir, 1))
            await using (var b = await OpenAsync(bDir, 2))
            {
                await Sessions.SubmitConcurrentlyAsync(a, aCount, $"a{scenario}");
                await Sessions.SubmitConcurrentlyAsync(b, bCount, $"b{scenario}");
                // The busier side sends about 16 bytes per event (its columns, its payload and its share of a
                // 4-event batch) plus its control messages: cut inside that.
                int busiestSide = Math.Max(aCount, bCount) * 16 + 60;

                for (int attempt = 0; ; attempt++)
                {
                    Assert.True(attempt < 60, $"scenario {scenario} did not converge");
                    // Cut at a random point for the first attempts, then let one through.
                    long cut = attempt < 12 ? random.Next(1, busiestSide) : long.MaxValue;
                    bool aInitiates = random.Next(2) == 0;
                    var outcome = aInitiates
                        ? await Sessions.RunAsync(a, b, s => s.WithOptions(SmallBatches), s => s.WithOptions(SmallBatches), breakAfterBytes: cut)
                        : await Sessions.RunAsync(b, a, s => s.WithOptions(SmallBatches), s => s.WithOptions(SmallBatches), breakAfterBytes: cut);
                    if (outcome.Succeeded)
                    {
                        completedSessions++;
                        if (a.Known.Equals(b.Known)) break;
                        continue;
                    }
                    cutSessions++;
                    foreach (var error in new[] { outcome.InitiatorError, outcome.ResponderError })
                    {
                        if (error is null) continue;
                        errorKinds.Add(error.GetType().Name);
                        // Only the cut itself may surface: the link failing, or the peer hanging up because of it.
                        Assert.True(error is SyncDisconnectedException { IsTransient: true, Stats: not null },
                            $"scenario {scenario}, cut at {cut}: unexpected {error.GetType().Name}: {error.Message}");
                    }
                }

                AssertHoldsEverythingOnce(a, (1, aCount), (2, bCount));
                AssertHoldsEverythingOnce(b, (1, aCount), (2, bCount));
                Assert.Equal(a.State.Hash(), b.State.Hash());
                Assert.Equal(Sessions.ReferenceHash(a.ReadAllEvents()), a.State.Hash());
                (aHash, bHash, aKnown, bKnown) = (a.State.Hash(), b.State.Hash(), a.Known, b.Known);
            }

            if (scenario % 5 == 0)
            {
                // The logs the interrupted sessions wrote reopen to the same events and state.
                await using var a = await OpenAsync(aDir, 1);
                await using var b = await OpenAsync(bDir, 2);
                Assert.Equal(aKnown, a.Known);
                Assert.Equal(bKnown, b.Known);
                Assert.Equal(aHash, a.State.Hash());
                Assert.Equal(bHash, b.State.Hash());
                Assert.False(a.Recovery.TailWasTorn || b.Recovery.TailWasTorn, "a clean close left a torn tail");
            }
        }

        Assert.True(cutSessions >= 50, $"only {cutSessions} sessions were cut");
        Assert.True(completedSessions >= Scenarios);
        Assert.Contains(nameof(SyncDisconnectedException), errorKinds);
    }

    private static void AssertHoldsEverythingOnce(ZamEngine<LedgerState> node, params (ulong Origin, int Count)[] expected)
    {
        foreach (var (origin, count) in expected)
        {
            var id = new NodeId(origin);
            Assert.Equal((ulong)count, node.Known[id]);
            var sequences = node.ReadEvents(id).Select(e => e.Sequence).ToList();
            Assert.Equal(Enumerable.Range(1, count).Select(i => (ulong)i), sequences);
        }
        var identities = Sessions.Identities(node);
        Assert.Equal(identities.Count, identities.Distinct().Count());
        Assert.Equal(expected.Sum(e => e.Count), identities.Count);
        Assert.Equal(identities.Count, node.State.Count);
        Assert.Equal(node.State.Count, node.State.Entries.Distinct().Count());
    }
}

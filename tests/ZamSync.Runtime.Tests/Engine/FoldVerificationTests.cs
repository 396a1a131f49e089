using ZamSync.Tests.Support;

namespace ZamSync.Tests.Engine;

/// <summary>The run-time backstop of ZS6xxx: two fresh folds of the log and the engine's own state, compared by digest.</summary>
public class FoldVerificationTests
{
    /// <summary>A reducer with the bug ZS6002 reports at build time: every fold draws new ids.</summary>
    private sealed class RandomIdState : IStateStore
    {
        private readonly List<Guid> _ids = new();
        public void Apply(in EventEnvelope envelope) => _ids.Add(Guid.NewGuid());
        public void Reset() => _ids.Clear();
        public string Digest() => string.Join(",", _ids);
    }

    [Fact]
    public async Task A_deterministic_state_folds_to_the_same_snapshot_twice_and_equals_the_engines()
    {
        using var temp = new TempDirectory("verify");
        await using var node = await ZamEngine<LedgerState>.OpenAsync(temp.Sub("n1"), NodeId.Parse("1"), new LedgerState());
        for (int i = 0; i < 5; i++) await node.SubmitAsync(1, new[] { (byte)('a' + i) });

        var result = node.VerifyFold(() => new LedgerState());

        Assert.Equal(5, result.Events);
        Assert.True(result.IsDeterministic, result.ToString());
        Assert.Equal(result.FirstFold, result.Live);
        Assert.Equal(64, result.FirstFold.Length);
    }

    [Fact]
    public async Task A_random_state_is_caught_by_both_checks()
    {
        using var temp = new TempDirectory("verify");
        await using var node = await ZamEngine<RandomIdState>.OpenAsync(temp.Sub("n1"), NodeId.Parse("1"), new RandomIdState());
        await node.SubmitAsync(1, "x"u8.ToArray());
        await node.SubmitAsync(1, "y"u8.ToArray());

        var result = node.VerifyFold(() => new RandomIdState(), s => s.Digest());

        Assert.Equal(2, result.Events);
        Assert.False(result.FoldsAgree);
        Assert.False(result.MatchesLive);
        Assert.False(result.IsDeterministic);
    }
}

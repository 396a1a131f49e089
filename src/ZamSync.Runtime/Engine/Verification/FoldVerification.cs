using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace ZamSync;

/// <summary>
/// What <see cref="FoldVerificationExtensions.VerifyFold{TState}(ZamEngine{TState}, Func{TState}, Func{TState, string}, CancellationToken)"/>
/// found: the digests of two fresh folds of the log and of the engine's own state.
/// </summary>
/// <param name="Events">How many events each fresh fold applied.</param>
/// <param name="FirstFold">The digest of the first fresh fold.</param>
/// <param name="SecondFold">The digest of the second fresh fold.</param>
/// <param name="Live">
/// The digest of the engine's state, read in the same pause of the fold loop; null when the log is compacted (the
/// fresh folds then start above the compacted base, so they cannot equal the engine's state).
/// </param>
public sealed record FoldVerification(int Events, string FirstFold, string SecondFold, string? Live)
{
    /// <summary>The two fresh folds agree: Apply gave the same state twice in this process.</summary>
    public bool FoldsAgree => FirstFold == SecondFold;

    /// <summary>
    /// The engine's state equals a fresh fold (true when it could not be compared). The engine's state was folded
    /// event by event as events arrived, re-folded, or read from a snapshot; a difference means Apply depended on
    /// something other than the events (the clock, randomness, the order it saw them in) or a snapshot does not restore
    /// everything. Compare on a quiet engine: an event stored but not yet applied when the check ran also differs.
    /// </summary>
    public bool MatchesLive => Live is null || Live == FirstFold;

    /// <summary>Both checks passed.</summary>
    public bool IsDeterministic => FoldsAgree && MatchesLive;
}

/// <summary>
/// The run-time backstop of the ZS6xxx analyzer (which sees only the source of one compilation): folds the node's
/// log twice into fresh states and compares their digests with each other and with the engine's state. Opt-in and
/// costly (two full folds while the engine's fold loop waits); meant for tests, canaries and operators, not for every open.
/// It cannot see what is the same within one process and differs between processes (string hash codes, the
/// current culture): that is what the analyzer is for.
/// </summary>
public static class FoldVerificationExtensions
{
    /// <summary>Verifies with <paramref name="digest"/> as the state's fingerprint (for example the clinic sample's <c>Digest()</c>).</summary>
    public static FoldVerification VerifyFold<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TState>(this ZamEngine<TState> engine, Func<TState> createState, Func<TState, string> digest,
        CancellationToken cancellationToken = default)
        where TState : class, IStateStore
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(createState);
        ArgumentNullException.ThrowIfNull(digest);
        bool compacted = engine.Compacted.Count > 0;
        return engine.Read(live =>
        {
            var (events, first) = Fold(engine, createState(), digest, cancellationToken);
            var (_, second) = Fold(engine, createState(), digest, cancellationToken);
            return new FoldVerification(events, first, second, compacted ? null : digest(live));
        });
    }

    /// <summary>Verifies a snapshotable state by the SHA-256 of its snapshot bytes.</summary>
    public static FoldVerification VerifyFold<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TState>(this ZamEngine<TState> engine, Func<TState> createState, CancellationToken cancellationToken = default)
        where TState : class, ISnapshotableState =>
        engine.VerifyFold(createState, SnapshotDigest, cancellationToken);

    private static (int Events, string Digest) Fold<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TState>(ZamEngine<TState> engine, TState state, Func<TState, string> digest, CancellationToken cancellationToken)
        where TState : class, IStateStore
    {
        state.Reset();
        int count = 0;
        foreach (var e in engine.ReadAllEvents())
        {
            cancellationToken.ThrowIfCancellationRequested();
            state.Apply(in e);
            count++;
        }
        return (count, digest(state));
    }

    private static string SnapshotDigest<TState>(TState state) where TState : ISnapshotableState
    {
        var buffer = new ArrayBufferWriter<byte>();
        state.WriteSnapshot(buffer);
        return Convert.ToHexStringLower(SHA256.HashData(buffer.WrittenSpan));
    }
}

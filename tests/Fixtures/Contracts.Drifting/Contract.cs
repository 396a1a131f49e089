using ZamSync;

namespace Contracts.Drifting;

/// <summary>Version 1's reading, byte for byte, so this state can fold a log written with Contracts.V1.</summary>
[ZamEvent(1)]
public partial record Reading([property: ZamMember(0)] string Id, [property: ZamMember(1)] int Value);

/// <summary>
/// A deliberately nondeterministic state, for the fold check of <c>zamsync verify --contract</c>: Apply reads a
/// static counter, so every fold of the same events gives a different state. The analyzer forbids exactly this
/// (ZS6007, mutable static state), hence the suppression: this fixture exists to prove the run-time backstop catches
/// what slips past it.
/// </summary>
[ZamState(Snapshots = true)]
public partial class DriftingState
{
#pragma warning disable ZS6007
    private static int s_applied;
#pragma warning restore ZS6007

    [ZamMember(0)] public SortedDictionary<string, int> Values { get; } = new(StringComparer.Ordinal);

#pragma warning disable ZS6007
    void Apply(Reading e) => Values[e.Id] = e.Value + s_applied++;
#pragma warning restore ZS6007

    public void Reset() => Values.Clear();
}

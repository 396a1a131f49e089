namespace ZamSync;

/// <summary>
/// Pins a member of a <see cref="ZamEventAttribute">[ZamEvent]</see> type to a wire slot. Slots, not
/// declaration order, decide where the member's bytes go, so reordering declarations never changes the bytes.
/// </summary>
/// <remarks>
/// Either every serialized member of a type has a slot or none has one; without slots, members take slots
/// 0, 1, 2... in declaration order. Slots are 0 to 248 and unique within the type; gaps are allowed (a retired
/// slot stays empty and is written as zero bytes). See <c>docs/contracts.md</c>.
/// </remarks>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter, Inherited = false, AllowMultiple = false)]
public sealed class ZamMemberAttribute(int slot) : Attribute
{
    /// <summary>Highest slot a member may take (the object header counts slots in one byte below 250).</summary>
    public const int MaxSlot = 248;

    public int Slot { get; } = slot;
}

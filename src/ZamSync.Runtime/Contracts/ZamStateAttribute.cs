namespace ZamSync;

/// <summary>
/// Declares the application state. The type must be a <c>partial class</c> with a <c>public void Reset()</c>
/// and one <c>Apply</c> method per handled event, <c>void Apply(TEvent e)</c> or
/// <c>void Apply(TEvent e, EventContext ctx)</c>. The contract generator implements
/// <see cref="IStateStore.Apply(in EventEnvelope)"/> as a switch on the event type.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class ZamStateAttribute : Attribute
{
    /// <summary>
    /// When true, the generator also implements <see cref="ISnapshotableState"/>: the state's public
    /// properties and fields (not computed ones) are written with MemoryPack's version-tolerant object layout,
    /// in slots like an event's members (<see cref="ZamMemberAttribute"/> pins them). Every such member must be
    /// serializable (ZS4006) and restorable: settable, or a collection that can be cleared and filled (ZS4007).
    /// See <c>docs/contracts.md</c>.
    /// </summary>
    public bool Snapshots { get; set; }

    /// <summary>
    /// When true, the generator writes <c>public void Reset()</c>: every public data member (the members a
    /// snapshot would hold) goes back to what a new instance holds, so the state needs a parameterless
    /// constructor and must not declare Reset itself (ZS4008). Only right for a state whose data lives in those
    /// members: non-public data it would leave behind is a warning (ZS4009). A hand-written Reset stays the
    /// default, because only its author knows what "forget everything" means for caches and derived data.
    /// </summary>
    public bool GenerateReset { get; set; }
}

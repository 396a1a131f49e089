namespace ZamSync;

/// <summary>
/// Declares the application state. The type must be a <c>partial class</c> with a <c>public void Reset()</c>
/// and one <c>Apply</c> method per handled event, <c>void Apply(TEvent e)</c> or
/// <c>void Apply(TEvent e, EventContext ctx)</c>. The contract generator implements
/// <see cref="IStateStore.Apply(in EventEnvelope)"/> as a switch on the event type.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class ZamStateAttribute : Attribute;

namespace ZamSync;

/// <summary>
/// Marks a static method that converts an event from an older version of its shape to a newer one, for example
/// <c>[ZamUpcast] static DoseV2 Up(DoseV1 old) => new(old.Item, old.Milligrams / 1000m);</c>. Both types are
/// <see cref="ZamEventAttribute"/> types with the same id, the parameter's version lower than the result's.
/// The generated dispatch of a state that handles the newer version runs the chain of upcasters for older events
/// (unless the state handles the older version itself). An upcaster must be deterministic, like Apply: every
/// node runs it on the same old bytes and must get the same new event.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class ZamUpcastAttribute : Attribute;

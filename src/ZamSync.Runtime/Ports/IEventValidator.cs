namespace ZamSync;

/// <summary>
/// The local node's say on an event before it is stored. Events submitted locally that fail are refused
/// with an exception; replicated events that fail are stored in quarantine (never applied to the state,
/// still forwarded, so the origin's sequence stays contiguous for everyone) and the session goes on.
/// </summary>
public interface IEventValidator
{
    /// <returns>null to accept, or the reason for refusing.</returns>
    string? Validate(in EventEnvelope envelope);
}

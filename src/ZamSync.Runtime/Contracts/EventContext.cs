namespace ZamSync;

/// <summary>Where an event came from and when: passed to <c>Apply(TEvent e, EventContext ctx)</c>.</summary>
/// <param name="Origin">The node that created the event.</param>
/// <param name="Sequence">Its sequence number at that node (1, 2, 3...).</param>
/// <param name="Hlc">Its hybrid logical clock stamp.</param>
public readonly record struct EventContext(NodeId Origin, ulong Sequence, Hlc Hlc)
{
    public static EventContext From(in EventEnvelope envelope) => new(envelope.Origin, envelope.Sequence, envelope.Hlc);
}

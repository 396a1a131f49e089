namespace ZamSync;

/// <summary>One event from <see cref="ZamEngine.Changes(VersionVector?, CancellationToken)"/>.</summary>
/// <param name="Envelope">
/// The event. Its payload is the feed's own copy: it stays valid after the reader moves on.
/// </param>
/// <param name="Quarantined">
/// True when the local validator refused it: the node stores and forwards it but never applies it to the state. The
/// feed still yields it, so a reader's cursor stays contiguous per origin.
/// </param>
public readonly record struct ChangeFeedEvent(EventEnvelope Envelope, bool Quarantined);

namespace ZamSync.AspNetCore.Events;

/// <summary>One event as the API shows it. Node ids are strings: they are 64-bit and JavaScript numbers are not.</summary>
/// <param name="Origin">The node that created it.</param>
/// <param name="Sequence">Its sequence at that origin (1, 2, 3 … without gaps).</param>
/// <param name="Hlc">Its hybrid logical clock stamp, <c>physical.logical</c>.</param>
/// <param name="Type">The contract's event type number.</param>
/// <param name="Quarantined">True when this node's validator refused it (stored and forwarded, never applied).</param>
/// <param name="Payload">The encoded event, base64.</param>
public sealed record EventJson(string Origin, ulong Sequence, string Hlc, uint Type, bool Quarantined, string Payload)
{
    internal static EventJson From(in EventEnvelope e, bool quarantined) =>
        new(e.Origin.ToString(), e.Sequence, e.Hlc.ToString(), e.EventType, quarantined, Convert.ToBase64String(e.Payload.Span));
}

/// <summary>A page of <c>GET /api/events</c>.</summary>
/// <param name="Events">Origin by origin (ascending node id), each origin's in sequence order.</param>
/// <param name="Next">The cursor to ask for the next page with (<c>after=</c>); it covers every event of this page.</param>
/// <param name="More">True when the page stopped at its limit: more events were already there.</param>
public sealed record EventPage(IReadOnlyList<EventJson> Events, string Next, bool More);

using ZamSync.AspNetCore.Authentication;
using ZamSync.AspNetCore.Cursors;
using ZamSync.Sync;

namespace ZamSync.AspNetCore.Events;

/// <summary>
/// Reads one page after a version-vector cursor: for each visible origin in ascending order, the events after the
/// cursor's sequence for it, until the page is full. Because each origin's sequences are contiguous and the cursor
/// moves per origin, pages never skip or repeat an event however many are appended meanwhile.
/// </summary>
internal static class EventPageReader
{
    public static EventPage Read(ZamEngine engine, VersionVector after, int limit, ZamCredential caller, AccessPolicy policy)
    {
        var next = caller.Visible(after, policy);
        var quarantined = QuarantinedKeys(engine);
        var events = new List<EventJson>(Math.Min(limit, 1024));
        bool more = false;
        foreach (var origin in engine.Known.Origins.Where(o => caller.CanRead(o, policy)).OrderBy(o => o.Value))
        {
            foreach (var e in engine.ReadEvents(origin, next[origin] + 1))
            {
                if (events.Count == limit)
                {
                    more = true;
                    break;
                }
                events.Add(EventJson.From(e, quarantined?.Contains((e.Origin, e.Sequence)) == true));
                next.Advance(e.Origin, e.Sequence);
            }
            if (more) break;
        }
        return new EventPage(events, EventCursor.Encode(next), more);
    }

    /// <summary>The quarantined events' keys, or null when there are none (the usual case: no set to build).</summary>
    public static HashSet<(NodeId, ulong)>? QuarantinedKeys(ZamEngine engine)
    {
        var list = engine.Quarantined;
        return list.Count == 0 ? null : list.Select(q => (q.Origin, q.Sequence)).ToHashSet();
    }
}

using System.Collections.Generic;
using System.Linq;
using ZamSync.Generators.Model;

namespace ZamSync.Generators.Parsing;

/// <summary>Turns a <see cref="StateDraft"/> into the <see cref="StateModel"/> the emitter writes.</summary>
internal static class StateResolution
{
    /// <summary>A model the symbol parser produced: every id is already known.</summary>
    public static StateDraft ToDraft(StateModel model) => new(
        model.Type,
        model.Handlers.Select(h => new HandlerDraft(h.EventId, h.EventTypeName, h.EventIsValueType, h.TakesContext)).ToEquatableArray(),
        model.Snapshot,
        model.IsValid,
        model.Reset);

    /// <summary>
    /// Fills in the ids of the compilation's own events from <paramref name="events"/>. A handler whose type is not
    /// among them takes a type that is not an event (ZS4002, which the analyzer reports): the state is invalid.
    /// </summary>
    public static StateModel Resolve(StateDraft draft, EquatableArray<EventIdEntry> events) => Resolve(draft, events, EquatableArray<UpcastModel>.Empty);

    /// <summary>
    /// As above, and then the older versions of handled events that <paramref name="upcasts"/> lead to: each gets a
    /// handler that runs the chain of upcasters and calls the Apply of the version it ends at. A version the state
    /// handles itself keeps its own Apply.
    /// </summary>
    public static StateModel Resolve(StateDraft draft, EquatableArray<EventIdEntry> events, EquatableArray<UpcastModel> upcasts)
    {
        bool valid = draft.IsValid;
        Dictionary<string, uint>? ids = null;
        var handlers = new List<HandlerModel>(draft.Handlers.Count);
        foreach (var handler in draft.Handlers)
        {
            uint? id = handler.EventId;
            if (id is null)
            {
                ids ??= ById(events);
                if (ids.TryGetValue(Plain(handler.EventTypeName), out uint found)) id = found;
            }
            if (id is not { } known)
            {
                valid = false;
                continue;
            }
            handlers.Add(new HandlerModel(known, handler.EventTypeName, handler.EventIsValueType, handler.TakesContext));
        }
        if (upcasts.Count > 0) AddUpcastHandlers(handlers, upcasts);
        var sorted = handlers.OrderBy(h => h.EventId).ThenBy(h => h.EventTypeName, System.StringComparer.Ordinal).ToEquatableArray();
        return new StateModel(draft.Type, sorted, draft.Snapshot, valid, draft.Reset);
    }

    private static void AddUpcastHandlers(List<HandlerModel> handlers, EquatableArray<UpcastModel> upcasts)
    {
        var byType = new Dictionary<string, HandlerModel>(System.StringComparer.Ordinal);
        foreach (var h in handlers) byType[Plain(h.EventTypeName)] = h;
        // Newest targets first, so an event with upcasters to two versions takes the longer way up, to the newest
        // version the state handles; repeated until nothing changes, for chains (v1 -> v2 -> v3).
        var ordered = upcasts.OrderByDescending(u => WireIds.Version(u.ToWireId)).ThenBy(u => u.FromTypeName, System.StringComparer.Ordinal).ToList();
        bool added = true;
        while (added)
        {
            added = false;
            foreach (var u in ordered)
            {
                if (byType.ContainsKey(u.FromTypeName) || !byType.TryGetValue(u.ToTypeName, out var target)) continue;
                var chain = new List<string> { u.Method };
                chain.AddRange(target.Upcasts);
                var handler = new HandlerModel(u.FromWireId, u.FromTypeName, u.FromIsValueType, target.TakesContext, chain.ToEquatableArray());
                byType[u.FromTypeName] = handler;
                handlers.Add(handler);
                added = true;
            }
        }
    }

    private static string Plain(string typeName) =>
        typeName.EndsWith("?", System.StringComparison.Ordinal) ? typeName.Substring(0, typeName.Length - 1) : typeName;

    private static Dictionary<string, uint> ById(EquatableArray<EventIdEntry> events)
    {
        var result = new Dictionary<string, uint>(System.StringComparer.Ordinal);
        foreach (var e in events) result[e.TypeName] = e.Id;
        return result;
    }
}

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
    public static StateModel Resolve(StateDraft draft, EquatableArray<EventIdEntry> events)
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
                string name = handler.EventTypeName.EndsWith("?", System.StringComparison.Ordinal) ? handler.EventTypeName.Substring(0, handler.EventTypeName.Length - 1) : handler.EventTypeName;
                if (ids.TryGetValue(name, out uint found)) id = found;
            }
            if (id is not { } known)
            {
                valid = false;
                continue;
            }
            handlers.Add(new HandlerModel(known, handler.EventTypeName, handler.EventIsValueType, handler.TakesContext));
        }
        var sorted = handlers.OrderBy(h => h.EventId).ThenBy(h => h.EventTypeName, System.StringComparer.Ordinal).ToEquatableArray();
        return new StateModel(draft.Type, sorted, draft.Snapshot, valid, draft.Reset);
    }

    private static Dictionary<string, uint> ById(EquatableArray<EventIdEntry> events)
    {
        var result = new Dictionary<string, uint>(System.StringComparer.Ordinal);
        foreach (var e in events) result[e.TypeName] = e.Id;
        return result;
    }
}

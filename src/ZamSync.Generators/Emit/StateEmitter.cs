using System.Linq;
using ZamSync.Generators.Model;

namespace ZamSync.Generators.Emit;

/// <summary>Writes a state's <c>IStateStore</c> implementation: a switch on the event type that calls Apply.</summary>
internal static class StateEmitter
{
    public static string HintName(StateModel model) => model.Type.HintStem + ".ZamState.g.cs";

    /// <summary>Two handled events with one id (reported as ZS2002) would make the switch invalid: emit nothing.</summary>
    public static bool CanEmit(StateModel model) =>
        model.IsValid && model.Handlers.Select(h => h.EventId).Distinct().Count() == model.Handlers.Count;

    public static string Emit(StateModel model)
    {
        var w = new IndentedWriter();
        Common.Header(w);
        int scopes = Common.OpenScopes(w, model.Type);

        w.Line("/// <remarks>");
        w.Line("/// ZamSync state. Handled event ids: " + (model.Handlers.Count == 0 ? "none" : string.Join(", ", model.Handlers.Select(h => h.EventId))) + ".");
        w.Line("/// Events of other types (from nodes running a newer contract) are stored and forwarded but not applied.");
        w.Line("/// </remarks>");
        w.Line(Common.GeneratedCode);
        w.Open($"partial class {Common.Escape(model.Type.Name)} : global::ZamSync.IStateStore");

        w.Open("void global::ZamSync.IStateStore.Apply(in global::ZamSync.EventEnvelope envelope)");
        w.Open("switch (envelope.EventType)");
        foreach (var h in model.Handlers)
        {
            w.Open($"case {h.EventId}u:");
            w.Line($"var __e = global::MemoryPack.MemoryPackSerializer.Deserialize<{h.EventTypeName}>(envelope.Payload.Span);");
            if (!h.EventIsValueType)
            {
                w.Line($"if (__e is null) throw new global::System.IO.InvalidDataException(\"Event \" + envelope.ToString() + \" has a null payload.\");");
            }
            w.Line(h.TakesContext ? "Apply(__e, global::ZamSync.EventContext.From(in envelope));" : "Apply(__e);");
            w.Line("break;");
            w.Close();
        }
        w.Line("default:");
        w.Line("    // Unknown event type: a newer node's event. Stored and forwarded, not applied.");
        w.Line("    break;");
        w.Close();
        w.Close();
        w.Line();
        w.Line("void global::ZamSync.IStateStore.Reset() => Reset();");

        w.Close();
        Common.CloseScopes(w, scopes);
        return w.ToString();
    }
}
